"""Editing a class's fee structure for a term (the bursar's): add an item, change or retire it (amount 0),
make it optional. Every change of amount is previewed first: before invoicing it only edits the structure;
after, the preview lists each invoiced student and the charge or credit they get, and confirming posts them
all and edits the item in one audited step (``ledger.billing.fee_structure``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, StaffDep
from bot.dashboard.charges import BadForm, school_vote_head
from bot.dashboard.charges_panel import ChargeForm
from bot.dashboard.cookies import config_of
from bot.dashboard.fees import school_class, school_term
from bot.dashboard.ids import row_id
from bot.dashboard.payments import FORM_TOKEN
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.billing.fee_structure import (
    FeeChange,
    apply_fee_change,
    invoiced_students,
    preview_fee_change,
    set_optional,
)
from ledger.books.tables import Entry
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents
from ledger.records.tables import FeeItem, SchoolClass, Term, VoteHead

router = APIRouter()
PATH = "/dashboard/terms/{term_id}/classes/{class_id}/structure"


def _items(session: Session, term: Term, chosen: SchoolClass) -> list[tuple[FeeItem, VoteHead]]:
    rows = session.execute(
        select(FeeItem, VoteHead)
        .join(VoteHead, VoteHead.id == FeeItem.vote_head_id)
        .where(FeeItem.term_id == term.id, FeeItem.class_id == chosen.id)
        .order_by(VoteHead.priority, VoteHead.name)
    )
    return [(item, head) for item, head in rows]


def _head_named(session: Session, staff: Staff, name: str) -> VoteHead:
    """The school's vote head so named, or a new one (not yet saved: only confirming saves it)."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 60:
        raise BadForm("Name the vote head (at most 60 characters).")
    heads = session.scalars(select(VoteHead).where(VoteHead.school_id == staff.school_id))
    found = next((head for head in heads if head.name.casefold() == name.casefold()), None)
    return found or VoteHead(school_id=staff.school_id, name=name)


def _save_head(session: Session, head: VoteHead) -> None:
    if head.id is None:
        last = session.scalar(select(func.max(VoteHead.priority)).where(VoteHead.school_id == head.school_id))
        head.priority = (last or 0) + 10  # a new vote head is paid after the others
        session.add(head)
        session.flush()


def _posted_under(session: Session, staff: Staff, key: str) -> bool:
    query = select(Entry.id).where(
        Entry.school_id == staff.school_id, Entry.idempotency_key.startswith(key + ":")
    )
    return session.scalars(query.limit(1)).first() is not None


def _change(
    session: Session, staff: Staff, term: Term, chosen: SchoolClass, head: str, amount: str
) -> FeeChange:
    try:
        cents = amount_cents(amount, "Amount")
    except BadRow as bad:
        raise BadForm(f"{bad}.") from None
    return preview_fee_change(session, term, chosen, _head_named(session, staff, head), cents)


@router.get(PATH)
def structure_page(
    request: Request, term_id: int, class_id: int, staff: StaffDep, session: SessionDep
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    return _structure(request, staff, session, term, chosen)


def _structure(
    request: Request,
    staff: Staff,
    session: Session,
    term: Term,
    chosen: SchoolClass,
    error: str | None = None,
) -> Response:
    context = {
        "staff": staff,
        "page": "fees",
        "term": term,
        "school_class": chosen,
        "items": _items(session, term, chosen),
        "invoiced": len(invoiced_students(session, term.id, chosen.id)),
        "error": error,
        "saved": request.query_params.get("saved"),
    }
    return render(request, "fee_structure.html", context, status_code=422 if error else 200)


@router.get(PATH + "/preview")
def change_preview(
    request: Request,
    term_id: int,
    class_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    vote_head: str = Query("", max_length=80),
    amount: str = Query("", max_length=30),
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    try:
        change = _change(session, staff, term, chosen, vote_head, amount)
    except (BadForm, LedgerError) as refused:
        return _structure(request, staff, session, term, chosen, str(refused))
    context = {"staff": staff, "page": "fees", "change": change, "form_token": ChargeForm().form_token}
    return render(request, "fee_change.html", context)


@router.post(PATH)
def apply_change(
    request: Request,
    term_id: int,
    class_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    vote_head: Annotated[str, Form(max_length=80)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    before: Annotated[str, Form(max_length=20)] = "",
    students: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    now = config_of(request).clock()
    try:
        if not FORM_TOKEN.fullmatch(form_token):
            raise BadForm("This form is out of date: open the fee structure again.")
        change = _change(session, staff, term, chosen, vote_head, amount)
        key = f"fee-change:{form_token}"
        if _posted_under(session, staff, key) or (change.difference == 0 and str(change.before) != before):
            # The same form again (a double submit): it was applied; the fee is already as asked.
            return redirect(request, f"/dashboard/terms/{term.id}/classes/{chosen.id}/structure?saved=1")
        if (str(change.before), str(len(change.touched))) != (before, students):
            raise BadForm("The fee or its students changed since the preview: look again before confirming.")
        _save_head(session, change.head)
        entries, applied = apply_fee_change(
            session, change, key=key, on=school_day(now), actor=staff.member.email
        )
        if applied:
            staff.audit(
                session,
                action="fees.change",
                at=now,
                target=f"class:{chosen.id}:term:{term.id}",
                before={"vote_head": change.head.name, "amount": change.before},
                after={
                    "vote_head": change.head.name,
                    "amount": change.after,
                    "students": [s.admission_no for s in change.touched],
                    "total": change.total,
                    "entries": [e.id for e in entries],
                },
            )
        session.commit()
    except (BadForm, LedgerError) as refused:
        session.rollback()
        return _structure(request, staff, session, term, chosen, str(refused))
    return redirect(request, f"/dashboard/terms/{term.id}/classes/{chosen.id}/structure?saved=1")


@router.post(PATH + "/optional")
def toggle_optional(
    request: Request,
    term_id: int,
    class_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    vote_head_id: Annotated[str, Form(max_length=12)] = "",
    optional: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    head = school_vote_head(session, staff, row_id(vote_head_id) or 0)
    wanted = optional == "1"
    try:
        item = set_optional(session, term, chosen, head, wanted)
    except LedgerError as refused:
        session.rollback()
        return _structure(request, staff, session, term, chosen, str(refused))
    staff.audit(
        session,
        action="fees.optional",
        at=config_of(request).clock(),
        target=f"class:{chosen.id}:term:{term.id}",
        after={"vote_head": head.name, "optional": item.optional},
    )
    session.commit()
    return redirect(request, f"/dashboard/terms/{term.id}/classes/{chosen.id}/structure?saved=1")
