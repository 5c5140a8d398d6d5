"""Term codes and the usual Kenyan school calendar, with no database."""

import datetime as dt

import pytest

from ledger.errors import InvalidTerm, LedgerError
from ledger.records.terms import kenyan_calendar, parse_term_code, term_number_on


@pytest.mark.parametrize(
    ("code", "parsed"), [("2026-1", (2026, 1)), (" 2026-3 ", (2026, 3)), ("2000-2", (2000, 2))]
)
def test_a_term_code_is_a_year_and_a_number(code, parsed):
    assert parse_term_code(code) == parsed


@pytest.mark.parametrize(
    "code", ["2026-4", "2026-0", "2026", "26-1", "1999-1", "2101-1", "2026/1", "2026-1a", "", "term 1"]
)
def test_anything_but_year_1_to_3_is_refused(code):
    with pytest.raises(InvalidTerm):
        parse_term_code(code)


def test_an_invalid_term_is_a_ledger_error_the_edges_can_word():
    with pytest.raises(LedgerError, match="2026-4"):
        parse_term_code("2026-4")


def test_the_2026_calendar_matches_the_ministry_shape():
    assert kenyan_calendar(2026, 1) == (dt.date(2026, 1, 5), dt.date(2026, 4, 3), dt.date(2026, 1, 19))
    assert kenyan_calendar(2026, 2) == (dt.date(2026, 4, 27), dt.date(2026, 7, 31), dt.date(2026, 5, 11))
    assert kenyan_calendar(2026, 3) == (dt.date(2026, 8, 24), dt.date(2026, 10, 30), dt.date(2026, 9, 7))


@pytest.mark.parametrize("year", range(2024, 2036))
@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_term_starts_on_a_monday_ends_on_a_friday_and_falls_due_two_weeks_in(year, number):
    starts_on, ends_on, due_on = kenyan_calendar(year, number)
    assert (starts_on.weekday(), ends_on.weekday()) == (0, 4)
    assert due_on - starts_on == dt.timedelta(days=14)
    assert starts_on < due_on < ends_on


@pytest.mark.parametrize("year", range(2024, 2036))
def test_terms_follow_each_other_in_the_usual_months(year):
    (s1, e1, _), (s2, e2, _), (s3, e3, _) = (kenyan_calendar(year, n) for n in (1, 2, 3))
    assert s1.month == 1 and s1.day <= 8
    assert e1.month in (3, 4) and e1 < s2
    assert s2.month == 4 and s2.day >= 21
    assert e2.month in (7, 8) and e2 < s3
    assert s3.month == 8 and s3.day >= 21
    assert e3.month == 10 and e3.day >= 25


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (dt.date(2026, 1, 1), 1),  # new-year holiday: before term 1 starts, still counted as term 1
        (dt.date(2026, 3, 1), 1),
        (dt.date(2026, 4, 20), 1),  # April holiday counts with the term before
        (dt.date(2026, 4, 27), 2),
        (dt.date(2026, 8, 24), 3),
        (dt.date(2026, 12, 31), 3),
    ],
)
def test_a_day_belongs_to_the_term_that_last_started(day, number):
    assert term_number_on(day) == number
