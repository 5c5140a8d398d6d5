"""Terms on the settings pages: the school's terms with their dates, edited or added with the rules of
``karo term set`` (``ledger.records.terms.set_term_dates``). Dates only: a term already invoiced keeps the
fees it was invoiced, and nothing is invoiced again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.dashboard.settings_index import SettingsStaff, may_change_settings, refuse_unless_settings
from bot.routes.deps import SessionDep
from ledger.books.tables import Entry, EntryKind
from ledger.errors import InvalidTerm
from ledger.records.tables import Term
from ledger.records.terms import dates_snapshot, find_term, parse_term_code, set_term_dates

router = APIRouter()

PAGE = "/dashboard/settings/terms"
DATE = Annotated[str, Form(max_length=20)]


@dataclass(frozen=True)
class TermRow:
    term: Term
    invoiced: int  # invoice entries posted for it


@dataclass
class Typed:
    """What was typed into one form, kept when it is refused."""

    code: str = ""
    starts_on: str = ""
    ends_on: str = ""
    due_on: str = ""
    error: str | None = None
    term_id: int | None = None  # the term edited; None: the form adding one


def school_term(session: Session, staff: Staff, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None or term.school_id != staff.school_id:
        raise HTTPException(404, "No such term.")
    return term


def term_rows(session: Session, school_id: int) -> list[TermRow]:
    invoiced = dict(
        session.execute(
            select(Entry.term_id, func.count(Entry.id))
            .where(Entry.school_id == school_id, Entry.kind == EntryKind.INVOICE)
            .group_by(Entry.term_id)
        ).all()
    )
    terms = session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.year, Term.number))
    return [TermRow(term, invoiced.get(term.id, 0)) for term in terms]


def _day(text: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidTerm(f"{label}: {text.strip()!r} is not a date (YYYY-MM-DD, e.g. 2027-01-04)") from None


def _dates(typed: Typed) -> tuple[dt.date, dt.date, dt.date]:
    return (
        _day(typed.starts_on, "Opens"),
        _day(typed.ends_on, "Closes"),
        _day(typed.due_on, "Fees due"),
    )


def _page(
    request: Request, staff: Staff, session: Session, typed: Typed | None = None, status: int = 200
) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "may_change": may_change_settings(staff),
        "rows": term_rows(session, staff.school_id),
        "typed": typed or Typed(),
        "saved": request.query_params.get("saved"),
    }
    return render(request, "settings_terms.html", context, status_code=status)


@router.get("/dashboard/settings/terms")
def terms_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post("/dashboard/settings/terms")
def add_term(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    code: Annotated[str, Form(max_length=20)] = "",
    starts_on: DATE = "",
    ends_on: DATE = "",
    due_on: DATE = "",
) -> Response:
    typed = Typed(code=code.strip(), starts_on=starts_on, ends_on=ends_on, due_on=due_on)
    try:
        year, number = parse_term_code(typed.code)
        if find_term(session, staff.school_id, year, number) is not None:
            raise InvalidTerm(f"term {typed.code} already exists: change its dates in the list above")
        term = set_term_dates(session, staff.school_id, typed.code, *_dates(typed))
    except InvalidTerm as bad:
        session.rollback()
        typed.error = str(bad)
        return _page(request, staff, session, typed, status=422)
    after = dates_snapshot(term)
    staff.audit(
        session, action="term.set", at=config_of(request).clock(), target=f"term:{term.id}", after=after
    )
    session.commit()
    return redirect(request, f"{PAGE}?saved={term.code}")


@router.post("/dashboard/settings/terms/{term_id}")
def edit_term(
    request: Request,
    term_id: int,
    staff: StaffDep,
    session: SessionDep,
    starts_on: DATE = "",
    ends_on: DATE = "",
    due_on: DATE = "",
) -> Response:
    term = school_term(session, staff, term_id)  # another school's term is 404 whatever the role
    refuse_unless_settings(staff)
    typed = Typed(code=term.code, starts_on=starts_on, ends_on=ends_on, due_on=due_on, term_id=term.id)
    before = dates_snapshot(term)
    try:
        set_term_dates(session, staff.school_id, term.code, *_dates(typed))
    except InvalidTerm as bad:
        session.rollback()
        typed.error = str(bad)
        return _page(request, staff, session, typed, status=422)
    after = dates_snapshot(term)
    at = config_of(request).clock()
    staff.audit_change(
        session, action="term.set", at=at, target=f"term:{term.id}", before=before, after=after
    )
    session.commit()
    return redirect(request, f"{PAGE}?saved={term.code}")
