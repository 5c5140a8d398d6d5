"""Money waiting for a person: Paybill payments that matched no student (allocated here to the right one),
M-Pesa prompts whose outcome needs the bursar's eye, and M-Pesa payments kept unposted for review (an amount
outside M-Pesa's limits, a receipt repeated with another amount or account): read-only, this school's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import MoneyStaff, Staff, StaffDep, school_payment
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.admission import admission_key
from ledger.books.tables import Entry, Payment
from ledger.errors import LedgerError
from ledger.payments.callbacks import CallbackFailure
from ledger.payments.recording import allocate_suspense
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus
from ledger.records.tables import Student

router = APIRouter()

SHOWN = 100


def unmatched(session: Session, school_id: int) -> list[Payment]:
    """Payments in suspense: no student, never allocated, not reversed; oldest first."""
    reversal = aliased(Entry)
    query = (
        select(Payment)
        .outerjoin(reversal, reversal.reverses_id == Payment.entry_id)
        .where(
            Payment.school_id == school_id,
            Payment.student_id.is_(None),
            Payment.allocation_entry_id.is_(None),
            reversal.id.is_(None),
        )
        .order_by(Payment.received_on, Payment.id)
        .limit(SHOWN)
    )
    return list(session.scalars(query))


def for_review(session: Session, school_id: int) -> list[tuple[PaymentRequestRecord, Student]]:
    """STK requests with no known outcome, or flagged when settled; newest first."""
    query = (
        select(PaymentRequestRecord, Student)
        .join(Student, Student.id == PaymentRequestRecord.student_id)
        .where(
            PaymentRequestRecord.school_id == school_id,
            (PaymentRequestRecord.status == RequestStatus.REVIEW) | PaymentRequestRecord.flagged.is_(True),
        )
        .order_by(PaymentRequestRecord.id.desc())
        .limit(SHOWN)
    )
    return [(request, student) for request, student in session.execute(query)]


def kept_for_review(session: Session, school_id: int) -> list[CallbackFailure]:
    """M-Pesa bodies kept unposted that name this school and are not resolved; newest first."""
    query = (
        select(CallbackFailure)
        .where(CallbackFailure.school_id == school_id, CallbackFailure.resolved.is_(False))
        .order_by(CallbackFailure.id.desc())
        .limit(SHOWN)
    )
    return list(session.scalars(query))


def flagged_payments(session: Session, school_id: int) -> list[Payment]:
    """Payments with a reason for review (the M-Pesa statement does not show them), newest first."""
    query = (
        select(Payment)
        .where(Payment.school_id == school_id, Payment.review_reason.is_not(None))
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .limit(SHOWN)
    )
    return list(session.scalars(query))


def _suspense_page(request: Request, staff: Staff, session: Session, error: str | None = None) -> Response:
    context = {
        "staff": staff,
        "page": "suspense",
        "unmatched": unmatched(session, staff.school_id),
        "review": for_review(session, staff.school_id),
        "kept": kept_for_review(session, staff.school_id),
        "flagged": flagged_payments(session, staff.school_id),
        "error": error,
        "allocated": request.query_params.get("allocated"),
    }
    return render(request, "suspense.html", context, status_code=422 if error else 200)


@router.get("/dashboard/suspense")
def suspense_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _suspense_page(request, staff, session)


@router.post("/dashboard/suspense/{payment_id}/allocate")
def allocate(
    request: Request,
    payment_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    admission_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    payment = school_payment(session, staff, payment_id)
    key = admission_key(admission_no)
    student = session.scalars(
        select(Student).where(Student.school_id == staff.school_id, Student.admission_key == key)
    ).first()
    if not key or student is None:
        return _suspense_page(request, staff, session, f"No student has admission number {admission_no!r}.")
    now = config_of(request).clock()
    try:
        _, created = allocate_suspense(session, payment, student, actor=staff.member.email, now=now)
    except LedgerError as refused:
        session.rollback()
        return _suspense_page(request, staff, session, str(refused))
    if created:
        staff.audit(
            session,
            action="suspense.allocate",
            at=now,
            target=f"payment:{payment.id}",
            before={"student": None, "reference": payment.reference, "amount": payment.amount},
            after={"student": student.admission_no, "reference": payment.reference, "amount": payment.amount},
        )
    session.commit()
    return redirect(request, f"/dashboard/suspense?allocated={payment.reference}")
