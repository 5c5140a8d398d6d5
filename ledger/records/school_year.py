"""The school year as terms and the holidays between them, and where a day falls in it.

A holiday runs from the day after a term ends to the day before the next term opens. The next term is the
school's own when it has one; otherwise the usual Kenyan calendar says when it opens (the November-December
holiday, before next year's terms are set up), so every day after a term belongs to a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.records.tables import Term
from ledger.records.terms import kenyan_calendar

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Holiday:
    ended: Term  # the term just ended: a holiday's arrears reminders are kept under it
    next: Term | None  # the next term, if the school has it yet
    opens_on: dt.date  # the day the next term opens (its own date, or the usual calendar's)
    next_code: str  # the next term's code, e.g. 2027-1

    @property
    def starts_on(self) -> dt.date:
        return self.ended.ends_on + ONE_DAY

    @property
    def ends_on(self) -> dt.date:
        return self.opens_on - ONE_DAY


@dataclass(frozen=True)
class Season:
    """Where a day falls: in a term, in a holiday after one, or before the school's first term."""

    term: Term | None = None
    holiday: Holiday | None = None
    first: Term | None = None  # before the first term: the term to come


def school_terms(session: Session, school_id: int) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.starts_on)))


def holidays(terms: Sequence[Term]) -> list[Holiday]:
    """The holiday after each term (``terms`` in order of their start)."""
    found = []
    for at, term in enumerate(terms):
        following = terms[at + 1] if at + 1 < len(terms) else None
        if following is not None:
            found.append(Holiday(term, following, following.starts_on, following.code))
        else:
            found.append(Holiday(term, None, *_usual_next_term(term)))
    return found


def season_of(terms: Sequence[Term], today: dt.date) -> Season:
    """The term running ``today``, else the holiday it falls in (``terms`` in order of their start)."""
    running = [t for t in terms if t.starts_on <= today <= t.ends_on]
    if running:
        return Season(term=running[-1])
    for holiday in reversed(holidays(terms)):
        if holiday.ended.ends_on < today:
            return Season(holiday=holiday)
    return Season(first=terms[0] if terms else None)


def _usual_next_term(term: Term) -> tuple[dt.date, str]:
    """When the term after this one would open by the usual calendar, and its code: the first usual term
    opening after this one ends (a term that ran late pushes it on)."""
    year, number = term.year, term.number
    while True:
        year, number = (year + 1, 1) if number == 3 else (year, number + 1)
        opens_on = kenyan_calendar(year, number)[0]
        if opens_on > term.ends_on:
            return opens_on, f"{year}-{number}"
