"""Terms in a school's database: first named by an import, given dates by `karo term set`, found by day."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.errors import InvalidTerm
from ledger.records.tables import Term
from ledger.records.terms import current_or_new_term, current_term, get_or_create_term, set_term_dates
from tests import builders as b

D = dt.date


@pytest.fixture
def school(session):
    return b.school(session)


def test_a_term_first_named_gets_the_usual_kenyan_dates(session, school):
    term = get_or_create_term(session, school.id, "2026-2")
    session.commit()
    assert (term.code, term.starts_on, term.ends_on, term.due_on) == (
        "2026-2",
        D(2026, 4, 27),
        D(2026, 7, 31),
        D(2026, 5, 11),
    )


def test_naming_a_term_again_finds_the_same_one(session, school):
    first = get_or_create_term(session, school.id, "2026-1")
    again = get_or_create_term(session, school.id, " 2026-1 ")
    session.commit()
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(Term)) == 1


def test_the_same_code_in_two_schools_is_two_terms(session, school):
    other = b.school(session)
    assert (
        get_or_create_term(session, school.id, "2026-1").id
        != get_or_create_term(session, other.id, "2026-1").id
    )


def test_a_bad_code_creates_nothing(session, school):
    with pytest.raises(InvalidTerm):
        get_or_create_term(session, school.id, "2026-4")
    assert session.scalar(select(func.count()).select_from(Term)) == 0


def test_term_set_gives_the_school_its_own_dates(session, school):
    get_or_create_term(session, school.id, "2026-1")
    term = set_term_dates(session, school.id, "2026-1", D(2026, 1, 6), D(2026, 4, 9), D(2026, 1, 31))
    session.commit()
    session.expire_all()
    stored = session.get_one(Term, term.id)
    assert (stored.starts_on, stored.ends_on, stored.due_on) == (D(2026, 1, 6), D(2026, 4, 9), D(2026, 1, 31))


def test_term_set_creates_a_term_not_seen_before(session, school):
    term = set_term_dates(session, school.id, "2027-3", D(2027, 8, 30), D(2027, 10, 29), D(2027, 9, 10))
    assert term.code == "2027-3" and term.starts_on == D(2027, 8, 30)


@pytest.mark.parametrize(
    ("start", "end", "due", "says"),
    [
        (D(2026, 4, 1), D(2026, 1, 5), D(2026, 2, 1), "before it ends"),
        (D(2026, 1, 5), D(2026, 1, 5), D(2026, 1, 5), "before it ends"),
        (D(2026, 1, 5), D(2026, 4, 1), D(2026, 1, 4), "fall due"),
        (D(2026, 1, 5), D(2026, 4, 1), D(2026, 4, 2), "fall due"),
    ],
)
def test_term_set_refuses_dates_that_do_not_fit(session, school, start, end, due, says):
    original = get_or_create_term(session, school.id, "2026-1")
    with pytest.raises(InvalidTerm, match=says):
        set_term_dates(session, school.id, "2026-1", start, end, due)
    assert (original.starts_on, original.due_on) == (D(2026, 1, 5), D(2026, 1, 19))


def test_current_term_is_the_one_containing_today(session, school):
    for code in ("2026-1", "2026-2", "2026-3"):
        get_or_create_term(session, school.id, code)
    assert current_term(session, school.id, D(2026, 5, 15)).code == "2026-2"
    assert current_term(session, school.id, D(2026, 4, 27)).code == "2026-2"  # its first day
    assert current_term(session, school.id, D(2026, 7, 31)).code == "2026-2"  # its last day


def test_in_the_holidays_the_current_term_is_the_one_just_ended(session, school):
    for code in ("2026-1", "2026-2", "2026-3"):
        get_or_create_term(session, school.id, code)
    assert current_term(session, school.id, D(2026, 4, 15)).code == "2026-1"
    assert current_term(session, school.id, D(2026, 12, 20)).code == "2026-3"


def test_before_any_term_started_the_current_term_is_the_earliest(session, school):
    get_or_create_term(session, school.id, "2026-2")
    get_or_create_term(session, school.id, "2026-1")
    assert current_term(session, school.id, D(2025, 12, 1)).code == "2026-1"


def test_a_school_without_terms_has_no_current_term_until_one_is_made(session, school):
    assert current_term(session, school.id, D(2026, 5, 15)) is None
    made = current_or_new_term(session, school.id, D(2026, 5, 15))
    assert (made.code, made.starts_on) == ("2026-2", D(2026, 4, 27))
    assert current_or_new_term(session, school.id, D(2026, 5, 15)).id == made.id
