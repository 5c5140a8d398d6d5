"""The Kenyan class ladders the rollover follows, and the fee increase's rounding to whole shillings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.billing.rollover_plan import RolloverRefused, increase_basis_points, increased, parse_promotion
from ledger.records.class_ladders import NoUsualNext, usual_next

SCHOOL = ["PP1", "PP2", "Grade 6 East", "grade 7 east", "Grade 9", "Form 2B", "Form 4", "Class 8", "Std. 3"]


@pytest.mark.parametrize(
    ("name", "moves_to"),
    [
        ("PP1", "PP2"),
        ("PP2", "Grade 1"),
        ("pp2 Red", "Grade 1 Red"),
        ("Grade 6 East", "grade 7 east"),  # the school's own spelling of a class it has
        ("Grade 6  West", "Grade 7 West"),  # a new class, spaces tidied
        ("GRADE 3", "GRADE 4"),
        ("Grade 9", None),  # junior school ends here: this school has no Grade 10
        ("Form 2B", "Form 3B"),
        ("Form 4", None),
        ("Class 7", "Class 8"),
        ("Class 8", None),
        ("Std. 3", "Std. 4"),
        ("Grade 10", "Grade 11"),
        ("Grade 12", None),
    ],
)
def test_each_class_moves_up_its_own_ladder(name: str, moves_to: str | None) -> None:
    assert usual_next(name, SCHOOL) == moves_to


def test_grade_9_goes_on_to_grade_10_where_the_school_has_a_senior_school() -> None:
    assert usual_next("Grade 9 North", [*SCHOOL, "Grade 10 North"]) == "Grade 10 North"


@pytest.mark.parametrize("name", ["Kindergarten", "Grade 13", "Form 0", "Year 7", "Grade"])
def test_a_class_off_the_ladders_has_no_usual_next(name: str) -> None:
    with pytest.raises(NoUsualNext):
        usual_next(name, SCHOOL)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10_000))
def test_an_increase_is_rounded_half_up_to_whole_shillings(cents: int, basis_points: int) -> None:
    exact = Decimal(cents) * (1 + Decimal(basis_points) / 10_000) / 100
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100 if basis_points else cents
    assert increased(cents, basis_points) == expected


def test_percentages_and_promotions_are_read_or_refused_in_words() -> None:
    assert [increase_basis_points(text) for text in ("5", "7.5%", "0", "100")] == [500, 750, 0, 10_000]
    for bad in ("five", "-5", "101", "5.555"):
        with pytest.raises(RolloverRefused):
            increase_basis_points(bad)
    assert parse_promotion(" Grade 6  East = Grade 7 East ") == ("Grade 6 East", "Grade 7 East")
    for bad in ("Grade 6", "=Grade 7", "Grade 6="):
        with pytest.raises(RolloverRefused):
            parse_promotion(bad)
