"""A student's credit paid back to the family (cash, cheque, bank, M-Pesa, with its reference) or moved to
a sibling, from the student's page: money, so the bursar's alone (Can.MONEY; a clerk gets 403). Each is
posted once (a refund by its reference, a move by its form's token) and audited with the credit before and
after, in the posting's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.credit_view import CreditForm, new_credit_form
from bot.dashboard.payments import FORM_TOKEN
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.refunds import (
    Refund,
    RefundMethod,
    credit_of,
    move_credit,
    normal_reference,
    refund_credit,
)
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents, date_value
from ledger.records.tables import Student

router = APIRouter()


class BadCreditForm(ValueError):
    """What is wrong with the form, in the bursar's words."""


def _amount(form: CreditForm) -> int:
    try:
        cents = amount_cents(form.amount, "Amount")
    except BadRow as bad:
        raise BadCreditForm(f"{bad}.") from None
    if cents <= 0:
        raise BadCreditForm("Amount must be more than zero.")
    return cents


def refund_of(form: CreditForm) -> Refund:
    try:
        method = RefundMethod(form.method)
    except ValueError:
        raise BadCreditForm("Choose cash, cheque, bank transfer or M-Pesa.") from None
    try:
        on = date_value(form.paid_on, "Date paid")
    except BadRow as bad:
        raise BadCreditForm(f"{bad}.") from None
    return Refund(method, form.reference, _amount(form), on)


def _audit_credit(
    session: Session,
    staff: Staff,
    student: Student,
    action: str,
    now: dt.datetime,
    before: int,
    **more: object,
) -> None:
    after = {"student": student.admission_no, "credit": credit_of(session, student)} | more
    target = f"student:{student.id}"
    staff.audit(
        session,
        action=action,
        at=now,
        target=target,
        before={"student": student.admission_no, "credit": before},
        after=after,
    )


def _refused(
    request: Request, staff: Staff, session: Session, student: Student, form: CreditForm, error: str
) -> Response:
    session.rollback()
    context = student_context(request, staff, session, student)
    context.update(credit_form=form, credit_error=error[:1].upper() + error[1:].rstrip(".") + ".")
    return render(request, "student.html", context, status_code=422)


@router.post("/dashboard/students/{student_id}/refund")
def refund(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    amount: Annotated[str, Form(max_length=30)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=60)] = "",
    paid_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    form = CreditForm(new_credit_form(paid_on).form_token, amount, method, reference, paid_on)
    now = config_of(request).clock()
    try:
        before = credit_of(session, student)
        paid = refund_of(form)
        _, created = refund_credit(session, student, paid, actor=staff.member.email)
    except (BadCreditForm, LedgerError) as refused:
        return _refused(request, staff, session, student, form, str(refused))
    if created:
        _audit_credit(
            session,
            staff,
            student,
            "credit.refund",
            now,
            before,
            amount=paid.amount,
            method=paid.method.value,
            reference=normal_reference(paid.reference),
        )
        session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?credit=refunded#credit")


@router.post("/dashboard/students/{student_id}/credit/move")
def move(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    form = CreditForm(form_token, amount, to=to)
    now = config_of(request).clock()
    try:
        if not FORM_TOKEN.fullmatch(form_token):
            raise BadCreditForm("This form is out of date: open the student's page again.")
        if not (to.isdigit() and len(to) <= 9):  # a student id, never past what the column holds
            raise BadCreditForm("Choose the sibling who receives the credit.")
        receiver = school_student(session, staff, int(to))
        before = credit_of(session, student)
        cents = _amount(form)
        key = f"credit-move:{form_token}"
        _, created = move_credit(
            session, student, receiver, cents, key=key, on=school_day(now), actor=staff.member.email
        )
    except (BadCreditForm, LedgerError) as refused:
        return _refused(request, staff, session, student, form, str(refused))
    if created:
        _audit_credit(
            session, staff, student, "credit.move", now, before, amount=cents, to=receiver.admission_no
        )
        session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?credit=moved#credit")
