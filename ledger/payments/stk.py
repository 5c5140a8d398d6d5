"""STK results into the books: a callback or a query settles a payment request, and its money counts once.

The M-Pesa receipt number is the payment's reference, unique per school, so a receipt seen by an STK
callback and by a Paybill confirmation (``ledger.payments.paybill``) is one payment. A query that reports
success carries no receipt: the money is posted under a provisional reference ``STK-<CheckoutRequestID>``
and the receipt, when it arrives by either road, replaces that reference on the same payment.

Every path locks the student first (then the request), so the callback, the query and a Paybill
confirmation for the same child are serialised and each sees what the others did.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledger.books.allocation import lock_student
from ledger.books.reversals import reverse_entry
from ledger.books.tables import Payment, PaymentSource
from ledger.errors import DuplicateReference, IdempotencyConflict
from ledger.events import FailureReason, PaymentRequestFailed, raise_event
from ledger.money import kes
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus, close, flag, lock_request
from ledger.records.tables import Student

PROVISIONAL = "STK-"
ACTOR = "mpesa"

REASONS = {
    "1032": FailureReason.CANCELLED,
    "1037": FailureReason.UNREACHABLE,
    "1": FailureReason.FUNDS,
    "2001": FailureReason.WRONG_PIN,
    "1001": FailureReason.BUSY,
    "1019": FailureReason.EXPIRED,
    "2": FailureReason.LIMITS,
    "3": FailureReason.LIMITS,
    "4": FailureReason.LIMITS,
    "17": FailureReason.SAME_AMOUNT,
    "8006": FailureReason.PIN_LOCKED,
}
# Codes that mean the fault is ours or the school's setup, not the parent's: the bursar should know.
OUR_FAULT = {"8", "1025", "2028", "SFC_IC0003"}


class StkResult(enum.StrEnum):
    POSTED = "posted"  # new money in the books
    COMPLETED = "completed"  # a provisional payment got its receipt, or a request found its payment
    ALREADY = "already"  # seen before: nothing changed
    FAILED = "failed"  # the request failed; the parent is told why


@dataclass(frozen=True)
class StkPaid:
    """What an STK success callback says was paid."""

    receipt: str
    amount: int  # cents
    phone: str | None  # E.164, as M-Pesa reported the payer
    paid_on: dt.date


def reason_for(code: str) -> FailureReason:
    return REASONS.get(code.strip(), FailureReason.OTHER)


def provisional_reference(request: PaymentRequestRecord) -> str:
    reference = f"{PROVISIONAL}{request.checkout_request_id or ''}"
    return (
        reference if len(reference) <= 40 and request.checkout_request_id else f"{PROVISIONAL}R{request.id}"
    )


def lock_for_settling(session: Session, request_id: int) -> PaymentRequestRecord:
    """The request, with its student locked first: the lock order every M-Pesa path shares."""
    student_id = session.scalar(
        select(PaymentRequestRecord.student_id).where(PaymentRequestRecord.id == request_id)
    )
    if student_id is not None:
        lock_student(session, student_id)
    return lock_request(session, request_id)


def payment_by_reference(session: Session, school_id: int, reference: str) -> Payment | None:
    return session.scalars(
        select(Payment)
        .where(Payment.school_id == school_id, Payment.reference == reference.strip().upper())
        .execution_options(populate_existing=True)
    ).one_or_none()


def post_once(
    session: Session, school_id: int, received: Received, student: Student | None, *, now: dt.datetime
) -> tuple[Payment, bool]:
    """``record_payment``, where a receipt already posted by the other road counts as already recorded."""
    try:
        return record_payment(session, school_id, received, student, actor=ACTOR, now=now)
    except (IdempotencyConflict, DuplicateReference):
        # IdempotencyConflict: the same receipt came first by STK (or Paybill) with other details.
        # DuplicateReference: a provisional payment was given this receipt (by a transaction that committed
        # before this one claimed it; one that commits after makes this whole transaction fail instead).
        existing = payment_by_reference(session, school_id, received.reference)
        if existing is None:
            raise
        return existing, False


def settle_stk_success(session: Session, request_id: int, paid: StkPaid, *, now: dt.datetime) -> StkResult:
    """A success callback: post the money once, or give a provisional payment its receipt; mark PAID."""
    request = lock_for_settling(session, request_id)
    receipt = paid.receipt.strip().upper()
    if request.payment_id is not None:
        if request.receipt == receipt:
            return StkResult.ALREADY
        if request.receipt is None:
            _complete(session, request, receipt, paid.phone, now)
            _check_details(request, paid, posted=request.amount)
            return StkResult.COMPLETED
        flag(request, f"a second receipt {receipt} arrived for a request paid by {request.receipt}")
        return StkResult.ALREADY
    student = session.get(Student, request.student_id)
    received = Received(
        PaymentSource.MPESA_STK,
        receipt,
        paid.amount,
        paid.paid_on,
        student.admission_no if student else None,
        paid.phone,
    )
    payment, created = post_once(session, request.school_id, received, student, now=now)
    if not created:
        _claim_from_suspense(session, payment, student, now)
    if request.status in (RequestStatus.FAILED, RequestStatus.REVIEW):
        flag(request, f"paid ({receipt}) after the request was marked {request.status.value}")
    _mark_paid(request, payment, receipt, now)
    _check_details(request, paid, posted=payment.amount)
    return StkResult.POSTED if created else StkResult.COMPLETED


def settle_query_success(session: Session, request_id: int, *, today: dt.date, now: dt.datetime) -> StkResult:
    """A query says the prompt was paid, without a receipt number: post provisionally (once)."""
    request = lock_for_settling(session, request_id)
    if request.payment_id is not None:
        return StkResult.ALREADY
    paybill = _unclaimed_paybill_payment(session, request)
    if paybill is not None:
        # Its confirmation came by the Paybill road before any STK answer: the same money, surely; but a
        # person should confirm, since the only link is the child, the amount and the day.
        _mark_paid(request, paybill, paybill.reference, now)
        flag(
            request, f"paid per STK query; matched to Paybill payment {paybill.reference} by child and amount"
        )
        return StkResult.COMPLETED
    student = session.get(Student, request.student_id)
    received = Received(
        PaymentSource.MPESA_STK,
        provisional_reference(request),
        request.amount,
        today,
        student.admission_no if student else None,
        request.phone,
    )
    payment, _ = post_once(session, request.school_id, received, student, now=now)
    _mark_paid(request, payment, None, now)
    return StkResult.POSTED


def settle_stk_failure(
    session: Session, request_id: int, code: str, desc: str, *, now: dt.datetime
) -> StkResult:
    """A failed prompt (by callback or query): mark FAILED once and tell the parent why, in plain words."""
    request = lock_for_settling(session, request_id)
    if request.status in (RequestStatus.PAID, RequestStatus.FAILED):
        return StkResult.ALREADY
    close(request, RequestStatus.FAILED, now=now, code=code, desc=desc)
    if code.strip() in OUR_FAULT:
        flag(request, f"M-Pesa result {code}: {desc}")
    raise_event(session, PaymentRequestFailed(request.id, reason_for(code), now))
    return StkResult.FAILED


def fail_unsent(
    session: Session, request_id: int, reason: FailureReason, *, detail: str, now: dt.datetime, review: bool
) -> StkResult:
    """The push never reached the phone: FAILED, the parent told, and (``review``) the bursar asked."""
    request = lock_request(session, request_id)
    if request.status not in (RequestStatus.PENDING, RequestStatus.SENDING):
        return StkResult.ALREADY
    close(request, RequestStatus.FAILED, now=now, desc=detail)
    if review:
        flag(request, detail)
    raise_event(session, PaymentRequestFailed(request.id, reason, now))
    return StkResult.FAILED


def mark_for_review(
    session: Session,
    request_id: int,
    *,
    reason: str,
    now: dt.datetime,
    states: tuple[RequestStatus, ...] = (RequestStatus.SENT,),
) -> bool:
    """No answer after the whole query schedule (or a push whose fate is unknown): the bursar checks the
    M-Pesa statement."""
    request = lock_request(session, request_id)
    if request.status not in states:
        return False
    close(request, RequestStatus.REVIEW, now=now, desc=reason)
    flag(request, reason)
    return True


def complete_provisional(
    session: Session, request: PaymentRequestRecord, receipt: str, payer: str | None, now: dt.datetime
) -> None:
    """Give the request's provisional payment its real receipt (the caller holds the student's lock)."""
    _complete(session, request, receipt.strip().upper(), payer, now)


def _complete(
    session: Session, request: PaymentRequestRecord, receipt: str, payer: str | None, now: dt.datetime
) -> None:
    provisional = session.get(Payment, request.payment_id)
    assert provisional is not None
    other = payment_by_reference(session, request.school_id, receipt)
    if other is not None and other.id != provisional.id:
        # The receipt was posted on its own (a confirmation that could not see this request): undo the
        # provisional posting so the money counts once, and keep the receipt's payment.
        _claim_from_suspense(session, other, session.get(Student, request.student_id), now)
        reverse_entry(
            session,
            request.school_id,
            provisional.entry_id,
            reason=f"{provisional.reference} is M-Pesa {receipt}, posted separately",
            on=now.date(),
            actor=ACTOR,
        )
        flag(request, f"provisional {provisional.reference} reversed: {receipt} was posted separately")
        request.payment_id = other.id
    else:
        provisional.reference = receipt
        if payer and not provisional.payer:
            provisional.payer = payer
    request.receipt = receipt
    session.flush()


def _claim_from_suspense(
    session: Session, payment: Payment, student: Student | None, now: dt.datetime
) -> None:
    """The receipt reached suspense first (its account number matched nobody); the STK request says whose
    it is, so it is allocated to that child."""
    if payment.student_id is None and payment.allocation_entry_id is None and student is not None:
        allocate_suspense(session, payment, student, actor=ACTOR, now=now)


def _mark_paid(
    request: PaymentRequestRecord, payment: Payment, receipt: str | None, now: dt.datetime
) -> None:
    request.payment_id = payment.id
    request.receipt = receipt
    close(request, RequestStatus.PAID, now=now, code="0")


def _check_details(request: PaymentRequestRecord, paid: StkPaid, *, posted: int) -> None:
    """Money is posted as paid; a difference from what was asked is the bursar's to look at."""
    if paid.amount != request.amount or paid.amount != posted:
        flag(
            request,
            f"paid {kes(paid.amount, always_cents=True)}, asked {kes(request.amount, always_cents=True)}",
        )
    if paid.phone and paid.phone != request.phone:
        flag(request, f"paid from {paid.phone}, asked of {request.phone}")


def _unclaimed_paybill_payment(session: Session, request: PaymentRequestRecord) -> Payment | None:
    """A Paybill payment for this child and amount since the request, that no request has claimed."""
    claimed = exists().where(PaymentRequestRecord.payment_id == Payment.id)
    return session.scalars(
        select(Payment)
        .where(
            Payment.school_id == request.school_id,
            Payment.student_id == request.student_id,
            Payment.source == PaymentSource.MPESA_PAYBILL,
            Payment.amount == request.amount,
            Payment.received_on >= request.created_at.date() - dt.timedelta(days=1),
            ~claimed,
        )
        .order_by(Payment.id)
    ).first()
