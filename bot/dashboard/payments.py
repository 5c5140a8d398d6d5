"""Recording money a bursar received by hand (cash, bank slip, cheque), once per form.

Each form carries a token made when it was shown; without a typed reference the payment's reference is
made from it, so a double submit (or a retry after a lost answer) posts once. The receipt goes to the
outbox with the posting, as for M-Pesa, and the audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.books.balances import total_owed
from ledger.books.tables import PaymentSource
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents, date_value
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from ledger.staff.audit import payment_recorded

router = APIRouter()

BY_HAND = {PaymentSource.CASH: "Cash", PaymentSource.BANK: "Bank deposit", PaymentSource.CHEQUE: "Cheque"}
FORM_TOKEN = re.compile(r"[0-9A-F]{12}")
PREFIX = {PaymentSource.CASH: "CASH", PaymentSource.BANK: "BANK", PaymentSource.CHEQUE: "CHQ"}


@dataclass(frozen=True)
class PaymentForm:
    form_token: str
    amount: str = ""
    source: str = PaymentSource.CASH.value
    reference: str = ""
    received_on: str = ""
    payer: str = ""


class BadPayment(ValueError):
    """What is wrong with the form, in the bursar's words."""


def new_form(today: str) -> PaymentForm:
    return PaymentForm(form_token=secrets.token_hex(6).upper(), received_on=today)


def received_from(form: PaymentForm, student: Student) -> Received:
    if not FORM_TOKEN.fullmatch(form.form_token):
        raise BadPayment("This form is out of date: open it again from the student's page.")
    try:
        source = PaymentSource(form.source)
        if source not in BY_HAND:
            raise ValueError(form.source)
    except ValueError:
        raise BadPayment("Choose cash, bank deposit or cheque.") from None
    try:
        amount = amount_cents(form.amount, "Amount")
        on = date_value(form.received_on, "Date received")
    except BadRow as bad:
        raise BadPayment(f"{bad}.") from None
    if amount <= 0:
        raise BadPayment("Amount must be more than zero.")
    reference = " ".join(form.reference.split()).upper()
    if source != PaymentSource.CASH and not reference:
        raise BadPayment(f"Give the {'cheque' if source == PaymentSource.CHEQUE else 'deposit slip'} number.")
    if len(reference) > 30:
        raise BadPayment("The reference is longer than 30 characters.")
    reference = reference or f"{PREFIX[source]}-{form.form_token}"
    return Received(source, reference, amount, on, student.admission_no, form.payer.strip()[:120] or None)


def post_payment(
    session: Session, staff: Staff, student: Student, received: Received, now: dt.datetime
) -> int:
    """Post it (once) and audit it when new; returns the payment's id."""
    before = total_owed(session, student.id)
    payment, created = record_payment(
        session, staff.school_id, received, student, actor=staff.member.email, now=now
    )
    if created:
        was, now_is = payment_recorded(session, student, payment, before)
        staff.audit(
            session, action="payment.record", at=now, target=f"payment:{payment.id}", before=was, after=now_is
        )
    return payment.id


def _form_page(
    request: Request, staff: Staff, student: Student, form: PaymentForm, error: str | None, status: int
) -> Response:
    context = {
        "staff": staff,
        "page": "students",
        "student": student,
        "form": form,
        "sources": BY_HAND,
        "error": error,
    }
    return render(request, "payment.html", context, status_code=status)


@router.get("/dashboard/students/{student_id}/payment")
def payment_form(request: Request, student_id: int, staff: MoneyStaff, session: SessionDep) -> Response:
    student = school_student(session, staff, student_id)
    today = school_day(config_of(request).clock()).isoformat()
    return _form_page(request, staff, student, new_form(today), None, 200)


@router.post("/dashboard/students/{student_id}/payment")
def record_by_hand(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    source: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=60)] = "",
    received_on: Annotated[str, Form(max_length=20)] = "",
    payer: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    form = PaymentForm(form_token, amount, source, reference, received_on, payer)
    try:
        received = received_from(form, student)
        payment_id = post_payment(session, staff, student, received, config_of(request).clock())
        session.commit()
    except (BadPayment, LedgerError) as refused:
        session.rollback()
        return _form_page(request, staff, student, form, str(refused), 422)
    return redirect(request, f"/dashboard/students/{student.id}?paid={payment_id}")
