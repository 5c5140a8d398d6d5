"""Sponsors: what each pledged, paid and still owes; one sponsor's students and cheques, its statement to
print, and a sponsor's cheque for many students recorded once, split over them after a preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.access import Can, MoneyStaff, Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.billing.sponsor_cheques import (
    ChequeShare,
    InvalidCheque,
    plan_cheque,
    record_cheque,
    tidy_reference,
)
from ledger.billing.sponsor_statements import cheques_of, sponsored_students
from ledger.billing.sponsor_tables import Sponsor, SponsorKind
from ledger.billing.sponsors import KIND_LABELS, sponsor_named, sponsor_totals, totals_of
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.imports import ImportRefused
from ledger.imports.bursaries import cheque_lines
from ledger.imports.core import BadRow
from ledger.imports.fields import date_value
from ledger.records.tables import Term

router = APIRouter()


def school_sponsor(session: Session, staff: Staff, sponsor_id: int) -> Sponsor:
    """The sponsor, if of the member's school; else 404."""
    sponsor = session.get(Sponsor, sponsor_id)
    if sponsor is None or sponsor.school_id != staff.school_id:
        raise HTTPException(404, "No such sponsor.")
    return sponsor


@router.get("/dashboard/sponsors")
def sponsors_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _list_page(request, staff, session)


@router.post("/dashboard/sponsors")
def add_sponsor(
    request: Request,
    staff: MoneyStaff,
    session: SessionDep,
    name: Annotated[str, Form(max_length=120)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if kind and kind not in set(SponsorKind):
        return _list_page(
            request, staff, session, error="Choose the sponsor's kind from the list.", status=422
        )
    try:
        sponsor, made = sponsor_named(session, staff.school_id, name, SponsorKind(kind) if kind else None)
    except LedgerError as refused:
        session.rollback()
        message = str(refused)
        return _list_page(request, staff, session, error=message[:1].upper() + message[1:] + ".", status=422)
    if made:
        after = {"name": sponsor.name, "kind": sponsor.kind.value}
        staff.audit(
            session,
            action="sponsor.add",
            at=config_of(request).clock(),
            target=f"sponsor:{sponsor.id}",
            after=after,
        )
    session.commit()
    return redirect(request, f"/dashboard/sponsors/{sponsor.id}")


@router.get("/dashboard/sponsors/{sponsor_id}")
def sponsor_page(request: Request, sponsor_id: int, staff: StaffDep, session: SessionDep) -> Response:
    sponsor = school_sponsor(session, staff, sponsor_id)
    return render(request, "sponsor.html", _sponsor_context(request, staff, session, sponsor))


@router.get("/dashboard/sponsors/{sponsor_id}/statement")
def sponsor_statement(request: Request, sponsor_id: int, staff: StaffDep, session: SessionDep) -> Response:
    sponsor = school_sponsor(session, staff, sponsor_id)
    return render(request, "sponsor_statement.html", _sponsor_context(request, staff, session, sponsor))


@router.post("/dashboard/sponsors/{sponsor_id}/cheque")
def cheque(
    request: Request,
    sponsor_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    term_id: Annotated[str, Form(max_length=12)] = "",
    reference: Annotated[str, Form(max_length=60)] = "",
    received_on: Annotated[str, Form(max_length=20)] = "",
    lines: Annotated[str, Form(max_length=200_000)] = "",
    step: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    sponsor = school_sponsor(session, staff, sponsor_id)
    form = {"term_id": term_id, "reference": reference, "received_on": received_on, "lines": lines}
    now = config_of(request).clock()
    try:
        term, on = _term_and_day(session, staff, term_id, received_on)
        tidy_reference(reference)
        split = cheque_lines(session, staff.school_id, lines)
        shares = plan_cheque(session, sponsor, term, split)
        if step != "post":
            return _cheque_page(request, staff, session, sponsor, form, shares=shares)
        recorded, made = record_cheque(
            session, sponsor, term, reference, split, received_on=on, actor=staff.member.email, at=now
        )
    except ImportRefused as refused:
        session.rollback()
        errors = [str(e) for e in refused.report.errors]
        return _cheque_page(request, staff, session, sponsor, form, errors=errors, status=422)
    except InvalidCheque as refused:
        session.rollback()
        return _cheque_page(request, staff, session, sponsor, form, errors=refused.problems, status=422)
    except (BadRow, LedgerError) as refused:
        session.rollback()
        return _cheque_page(request, staff, session, sponsor, form, errors=[str(refused)], status=422)
    if made:
        after = {
            "reference": recorded.reference,
            "amount": recorded.amount,
            "students": len(split),
            "term": term.code,
        }
        staff.audit(session, action="bursary.cheque", at=now, target=f"cheque:{recorded.id}", after=after)
    session.commit()
    return redirect(request, f"/dashboard/sponsors/{sponsor.id}?cheque={recorded.id}#cheques")


def _term_and_day(session: Session, staff: Staff, term_id: str, received_on: str) -> tuple[Term, Any]:
    term = session.get(Term, int(term_id)) if term_id.isdigit() else None
    if term is None or term.school_id != staff.school_id:
        raise LedgerError("choose the term the cheque is for")
    return term, date_value(received_on, "Date received")


def _list_page(
    request: Request, staff: Staff, session: Session, *, error: str | None = None, status: int = 200
) -> Response:
    context = {
        "staff": staff,
        "page": "sponsors",
        "totals": sponsor_totals(session, staff.school_id),
        "kinds": KIND_LABELS,
        "can_take_money": staff.can(Can.MONEY),
        "error": error,
    }
    return render(request, "sponsors.html", context, status_code=status)


def _sponsor_context(request: Request, staff: Staff, session: Session, sponsor: Sponsor) -> dict[str, Any]:
    today = school_day(config_of(request).clock())
    terms = (
        select(Term).where(Term.school_id == staff.school_id).order_by(Term.year.desc(), Term.number.desc())
    )
    return {
        "staff": staff,
        "page": "sponsors",
        "sponsor": sponsor,
        "kind": KIND_LABELS[sponsor.kind],
        "totals": totals_of(session, sponsor),
        "students": sponsored_students(session, sponsor, today),
        "cheques": cheques_of(session, sponsor),
        "terms": list(session.scalars(terms)),
        "today": today,
        "can_take_money": staff.can(Can.MONEY) and sponsor.kind != SponsorKind.SCHOOL,
        "form": {"term_id": "", "reference": "", "received_on": today.isoformat(), "lines": ""},
        "shares": None,
        "errors": [],
        "just_recorded": request.query_params.get("cheque"),
    }


def _cheque_page(
    request: Request,
    staff: Staff,
    session: Session,
    sponsor: Sponsor,
    form: dict[str, str],
    *,
    shares: list[ChequeShare] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    context = _sponsor_context(request, staff, session, sponsor)
    total = sum(share.amount for share in shares or [])
    context.update(form=form, shares=shares, errors=errors or [], total=total)
    return render(request, "sponsor.html", context, status_code=status)
