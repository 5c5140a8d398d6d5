"""Reversing from the dashboard: a payment (its money back to suspense, to another student, or voided) or a
charge, discount, bursary or late fee, with a reason, after a preview of the effect. Bursars only; above the
school's amount the request waits for the head (``bot.dashboard.approvals``). Each form carries a token, so
a form sent twice asks once."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.dashboard.access import Can, MoneyStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.admission import admission_key
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, Payment
from ledger.errors import LedgerError
from ledger.payments.corrections import (
    PAYMENT_POSTINGS,
    REVERSIBLE,
    Destination,
    effect_on_student,
    is_reversed,
    payment_label,
)
from ledger.records.tables import Student
from ledger.staff.approvals import (
    Actor,
    RequestStatus,
    Reversal,
    ReversalRequest,
    approval_above,
    ask_to_reverse,
    pending_requests,
)

router = APIRouter()

FORM_TOKEN = re.compile(r"[0-9A-F]{12}")
DESTINATIONS = {
    Destination.SUSPENSE: "Back to suspense, to allocate it again from the Suspense page",
    Destination.STUDENT: "To another student of the school",
    Destination.VOID: "Void it: the money never arrived (a bounced cheque, a mis-keyed entry)",
}
RECENT_ENTRIES = 50  # the statement rows offered a Reverse action: the student's latest entries


@dataclass(frozen=True)
class ReverseForm:
    form_token: str
    reason: str = ""
    destination: str = Destination.SUSPENSE.value
    to_student: str = ""


@dataclass(frozen=True)
class Preview:
    """What the reversal will do to the student's balance, and whether it waits for the head."""

    student: Student | None
    owed_now: int
    owed_after: int
    amount: int
    approval_above: int

    @property
    def waits_for_head(self) -> bool:
        return self.amount > self.approval_above


@dataclass(frozen=True)
class StudentCorrections:
    """The student page's part: a Reverse link per statement row that can be reversed, what waits for the
    head, and the request just made."""

    links: dict[int, str]
    pending: list[ReversalRequest]
    just_asked: ReversalRequest | None


def student_corrections(
    session: Session, staff: Staff, student: Student, asked_id: str | None
) -> StudentCorrections:
    """``asked_id``: the ``reversal_id`` of the page's address (``check_ids`` let only a row id through)."""
    links = reverse_links(session, student) if staff.can(Can.MONEY) else {}
    asked = session.get(ReversalRequest, int(asked_id)) if asked_id else None
    if asked is not None and asked.school_id != staff.school_id:
        asked = None
    return StudentCorrections(links, pending_requests(session, staff.school_id, student_id=student.id), asked)


def reverse_links(session: Session, student: Student) -> dict[int, str]:
    """For each of the student's latest entries a bursar may reverse, where its form is (three queries)."""
    entries = session.scalars(
        select(Entry).where(Entry.student_id == student.id).order_by(Entry.id.desc()).limit(RECENT_ENTRIES)
    ).all()
    ids = [entry.id for entry in entries]
    undone = set(session.scalars(select(Entry.reverses_id).where(Entry.reverses_id.in_(ids))))
    postings = session.scalars(
        select(Payment).where(
            Payment.student_id == student.id,
            or_(Payment.entry_id.in_(ids), Payment.allocation_entry_id.in_(ids)),
        )
    )
    # A payment's live posting to this student: its allocation from suspense, else its own entry.
    paid_by = {payment.allocation_entry_id or payment.entry_id: payment.id for payment in postings}
    links = {}
    for entry in entries:
        if entry.id in undone:
            continue
        if entry.kind in REVERSIBLE:
            links[entry.id] = f"/dashboard/entries/{entry.id}/reverse"
        elif entry.kind in PAYMENT_POSTINGS and entry.id in paid_by:
            links[entry.id] = f"/dashboard/payments/{paid_by[entry.id]}/reverse"
    return links


def school_payment(session: Session, staff: Staff, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None or payment.school_id != staff.school_id:
        raise HTTPException(404, "No such payment.")
    return payment


def school_entry(session: Session, staff: Staff, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None or entry.school_id != staff.school_id:
        raise HTTPException(404, "No such entry.")
    return entry


def preview(session: Session, staff: Staff, student_id: int | None, effect: int, amount: int) -> Preview:
    student = session.get(Student, student_id) if student_id is not None else None
    owed = total_owed(session, student.id) if student is not None else 0
    return Preview(student, owed, owed - effect if student else 0, amount, approval_above(staff.school))


@router.get("/dashboard/payments/{payment_id}/reverse")
def payment_form(request: Request, payment_id: int, staff: MoneyStaff, session: SessionDep) -> Response:
    payment = school_payment(session, staff, payment_id)
    return _payment_page(request, staff, session, payment, _new_form(), None)


@router.post("/dashboard/payments/{payment_id}/reverse")
def reverse_payment(
    request: Request,
    payment_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=400)] = "",
    destination: Annotated[str, Form(max_length=20)] = "",
    to_student: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    payment = school_payment(session, staff, payment_id)
    form = ReverseForm(form_token, reason, destination, to_student)
    try:
        where = Destination(form.destination)
    except ValueError:
        return _payment_page(request, staff, session, payment, form, "Choose where the money goes.")
    to = _named_student(session, staff, form.to_student) if where == Destination.STUDENT else None
    if where == Destination.STUDENT and to is None:
        error = f"No student has admission number {form.to_student.strip()!r}."
        return _payment_page(request, staff, session, payment, form, error)
    asked = Reversal(form.reason, payment=payment, destination=where, to_student=to)
    made = _ask(request, staff, session, asked, form)
    if isinstance(made, str):
        return _payment_page(request, staff, session, payment, form, made)
    return _after(request, made)


@router.get("/dashboard/entries/{entry_id}/reverse")
def entry_form(request: Request, entry_id: int, staff: MoneyStaff, session: SessionDep) -> Response:
    entry = school_entry(session, staff, entry_id)
    return _entry_page(request, staff, session, entry, _new_form(), None)


@router.post("/dashboard/entries/{entry_id}/reverse")
def reverse_entry(
    request: Request,
    entry_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    entry = school_entry(session, staff, entry_id)
    form = ReverseForm(form_token, reason)
    made = _ask(request, staff, session, Reversal(form.reason, entry=entry), form)
    if isinstance(made, str):
        return _entry_page(request, staff, session, entry, form, made)
    return _after(request, made)


def _ask(
    request: Request, staff: Staff, session: Session, asked: Reversal, form: ReverseForm
) -> ReversalRequest | str:
    """The request made (or found, for a form sent twice), committed; else what is wrong, in words."""
    if not FORM_TOKEN.fullmatch(form.form_token):
        return "This form is out of date: open it again."
    actor = Actor(staff.member.email, staff.member.id)
    try:
        made, _ = ask_to_reverse(
            session,
            staff.school,
            asked,
            key=f"form:{form.form_token}",
            actor=actor,
            now=config_of(request).clock(),
        )
        session.commit()
    except LedgerError as refused:
        session.rollback()
        text = str(refused)
        return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    return made


def _after(request: Request, made: ReversalRequest) -> Response:
    """To the page of the student it touched (as they were when asked), else the payments list."""
    if made.student_id is not None:
        return redirect(request, f"/dashboard/students/{made.student_id}?reversal_id={made.id}#statement")
    return redirect(request, f"/dashboard/payments?reversal_id={made.id}")


def _named_student(session: Session, staff: Staff, typed: str) -> Student | None:
    key = admission_key(typed)
    if not key:
        return None
    query = select(Student).where(Student.school_id == staff.school_id, Student.admission_key == key)
    return session.scalars(query).first()


def _new_form() -> ReverseForm:
    return ReverseForm(form_token=secrets.token_hex(6).upper())


def _payment_page(
    request: Request, staff: Staff, session: Session, payment: Payment, form: ReverseForm, error: str | None
) -> Response:
    context = _page(staff, form, error) | {
        "payment": payment,
        "what": payment_label(payment),
        "voided": is_reversed(session, payment.entry_id),
        "preview": preview(session, staff, payment.student_id, -payment.amount, payment.amount),
        "destinations": DESTINATIONS,
        "action": f"/dashboard/payments/{payment.id}/reverse",
    }
    return render(request, "reverse.html", context, status_code=422 if error else 200)


def _entry_page(
    request: Request, staff: Staff, session: Session, entry: Entry, form: ReverseForm, error: str | None
) -> Response:
    if entry.student_id is not None:
        school_student(session, staff, entry.student_id)
    effect = effect_on_student(session, entry)
    context = _page(staff, form, error) | {
        "entry": entry,
        "what": entry.memo,
        "voided": is_reversed(session, entry.id),
        "preview": preview(session, staff, entry.student_id, effect, abs(effect)),
        "action": f"/dashboard/entries/{entry.id}/reverse",
    }
    return render(request, "reverse.html", context, status_code=422 if error else 200)


def _page(staff: Staff, form: ReverseForm, error: str | None) -> dict[str, Any]:
    return {"staff": staff, "page": "payments", "form": form, "error": error, "done": RequestStatus.DONE}
