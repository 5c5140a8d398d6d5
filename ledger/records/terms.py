"""School terms: codes like ``2026-1``, the usual Kenyan calendar, and finding the term for a day."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.bulk import insert_or_fetch
from ledger.errors import InvalidTerm
from ledger.records.tables import Term

_CODE = re.compile(r"(\d{4})-(\d)")

# The Ministry of Education's usual shape of the year, as (month, day) anchors: a term starts on the
# first Monday on or after its anchor and ends on the last Friday on or before its anchor. These are
# defaults only, for a term first named by an import, until the bursar runs `karo term set`.
_STARTS = {1: (1, 2), 2: (4, 21), 3: (8, 21)}
_ENDS = {1: (4, 4), 2: (8, 4), 3: (10, 31)}
_DUE_AFTER_START = dt.timedelta(days=14)


def parse_term_code(code: str) -> tuple[int, int]:
    """``"2026-1"`` -> ``(2026, 1)``. Raises InvalidTerm for anything but YEAR-1..3 with a year 2000..2100."""
    match = _CODE.fullmatch(code.strip())
    if match is None:
        raise InvalidTerm(f"term {code.strip()!r} should look like 2026-1 (year, dash, term 1 to 3)")
    year, number = int(match[1]), int(match[2])
    if not 2000 <= year <= 2100:
        raise InvalidTerm(f"term {code.strip()!r} has a year outside 2000..2100")
    if number not in (1, 2, 3):
        raise InvalidTerm(f"term {code.strip()!r} does not exist: a year has terms 1, 2 and 3")
    return year, number


def kenyan_calendar(year: int, number: int) -> tuple[dt.date, dt.date, dt.date]:
    """The usual (starts_on, ends_on, due_on) of a Kenyan school term; fees fall due two weeks in."""
    if number not in _STARTS:
        raise InvalidTerm(f"a year has terms 1, 2 and 3, not {number}")
    start_anchor = dt.date(year, *_STARTS[number])
    end_anchor = dt.date(year, *_ENDS[number])
    starts_on = start_anchor + dt.timedelta(days=(0 - start_anchor.weekday()) % 7)
    ends_on = end_anchor - dt.timedelta(days=(end_anchor.weekday() - 4) % 7)
    return starts_on, ends_on, starts_on + _DUE_AFTER_START


def term_number_on(day: dt.date) -> int:
    """The term of its year a day falls in by the usual calendar; a holiday counts with the term before."""
    return max(n for n in _STARTS if day >= kenyan_calendar(day.year, n)[0] or n == 1)


def find_term(session: Session, school_id: int, year: int, number: int) -> Term | None:
    return session.scalars(
        select(Term).where(Term.school_id == school_id, Term.year == year, Term.number == number)
    ).one_or_none()


def get_or_create_term(session: Session, school_id: int, code: str) -> Term:
    """The school's term for this code; one not seen before gets the usual Kenyan dates."""
    year, number = parse_term_code(code)
    starts_on, ends_on, due_on = kenyan_calendar(year, number)
    values = {"school_id": school_id, "year": year, "number": number}
    dates = {"starts_on": starts_on, "ends_on": ends_on, "due_on": due_on}
    # Another transaction may create it first: theirs stands.
    term, _ = insert_or_fetch(
        session, Term, values | dates, lambda: find_term(session, school_id, year, number)
    )
    return term


def set_term_dates(
    session: Session, school_id: int, code: str, starts_on: dt.date, ends_on: dt.date, due_on: dt.date
) -> Term:
    """Give a term the school's own dates (creating it if need be); what ``karo term set`` does."""
    if not starts_on < ends_on:
        raise InvalidTerm(f"term {code} must start ({starts_on}) before it ends ({ends_on})")
    if not starts_on <= due_on <= ends_on:
        raise InvalidTerm(f"term {code} fees must fall due ({due_on}) between {starts_on} and {ends_on}")
    term = get_or_create_term(session, school_id, code)
    term.starts_on, term.ends_on, term.due_on = starts_on, ends_on, due_on
    session.flush()
    return term


def dates_snapshot(term: Term) -> dict[str, str]:
    """A term's dates as an audit row keeps them."""
    return {
        "term": term.code,
        "starts_on": term.starts_on.isoformat(),
        "ends_on": term.ends_on.isoformat(),
        "due_on": term.due_on.isoformat(),
    }


def current_term(session: Session, school_id: int, today: dt.date) -> Term | None:
    """The term containing today; else the latest that started before today; else the earliest."""
    terms = list(session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.starts_on)))
    containing = [t for t in terms if t.starts_on <= today <= t.ends_on]
    if containing:
        return containing[-1]
    started = [t for t in terms if t.starts_on < today]
    if started:
        return started[-1]
    return terms[0] if terms else None


def current_or_new_term(session: Session, school_id: int, today: dt.date) -> Term:
    """current_term, or (for a school with no terms yet) today's term by the usual calendar, created."""
    found = current_term(session, school_id, today)
    if found is not None:
        return found
    return get_or_create_term(session, school_id, f"{today.year}-{term_number_on(today)}")
