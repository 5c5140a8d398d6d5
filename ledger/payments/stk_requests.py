"""Requests for an M-Pesa STK push: recorded before the push is sent, resolved by its callback or query.

A request moves PENDING -> SENDING (a worker claimed it) -> SENT (Daraja accepted it) -> PAID | FAILED |
REVIEW. Each move is made under a row lock (or SQLite's single writer) and only from the states it may
leave, so a duplicated job or callback finds the work done.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.errors import InvalidAmount, NotFound
from ledger.records.tables import _enum

MIN_AMOUNT = 10_00  # KES 10, in cents
MAX_AMOUNT = 250_000_00  # Daraja's per-transaction ceiling
# A phone with a request younger than this gets "a prompt is on its way" instead of a second prompt.
PENDING_WINDOW = dt.timedelta(minutes=3)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # recorded; the push is queued (or queued again after a transient failure)
    SENDING = "sending"  # a worker is calling Daraja now
    SENT = "sent"  # Daraja accepted it; waiting for the parent's PIN
    PAID = "paid"
    FAILED = "failed"
    REVIEW = "review"  # no answer after the query schedule, or a push whose fate is unknown: for the bursar


OPEN = (RequestStatus.PENDING, RequestStatus.SENDING, RequestStatus.SENT)


class PaymentRequestRecord(Base):
    __tablename__ = "payment_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.PENDING)
    channel: Mapped[str] = mapped_column(String(12))
    checkout_request_id: Mapped[str | None] = mapped_column(String(60), unique=True)
    merchant_request_id: Mapped[str | None] = mapped_column(String(60))
    result_code: Mapped[str | None] = mapped_column(String(12))
    result_desc: Mapped[str | None] = mapped_column(String(200))
    push_attempts: Mapped[int] = mapped_column(Integer, default=0)
    queries: Mapped[int] = mapped_column(Integer, default=0)
    # The payment this request ended in. ``receipt`` is None while that payment carries only a provisional
    # reference (a query said "paid" but no receipt number has arrived yet).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    receipt: Mapped[str | None] = mapped_column(String(40))
    # For the bursar: the money was posted, but something about it needs a person (amount or phone differ...).
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


def pending_request(session: Session, phone: str, now: dt.datetime) -> PaymentRequestRecord | None:
    """A request from this phone still waiting on the parent, if one is recent enough to matter."""
    return session.scalars(
        select(PaymentRequestRecord)
        .where(
            PaymentRequestRecord.phone == phone,
            PaymentRequestRecord.status.in_(OPEN),
            PaymentRequestRecord.created_at >= now - PENDING_WINDOW,
        )
        .order_by(PaymentRequestRecord.id.desc())
    ).first()


def record_request(
    session: Session,
    *,
    school_id: int,
    student_id: int,
    phone: str,
    amount: int,
    channel: str,
    now: dt.datetime,
) -> PaymentRequestRecord:
    """Record a pending STK request for whole shillings within Daraja's limits."""
    if amount % 100 or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise InvalidAmount("M-Pesa takes whole shillings from KES 10 to KES 250,000")
    record = PaymentRequestRecord(
        school_id=school_id,
        student_id=student_id,
        phone=phone,
        amount=amount,
        channel=channel,
        created_at=now,
        push_attempts=0,
        queries=0,
        flagged=False,
    )
    session.add(record)
    session.flush()
    return record


def lock_request(session: Session, request_id: int) -> PaymentRequestRecord:
    """The request, freshly read and row-locked until the transaction ends (SQLite: writers are serial)."""
    request = session.scalars(
        select(PaymentRequestRecord)
        .where(PaymentRequestRecord.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if request is None:
        raise NotFound(f"no payment request {request_id}")
    return request


def by_checkout_id(session: Session, checkout_request_id: str) -> PaymentRequestRecord | None:
    return session.scalars(
        select(PaymentRequestRecord).where(PaymentRequestRecord.checkout_request_id == checkout_request_id)
    ).one_or_none()


def claim_for_push(session: Session, request_id: int) -> PaymentRequestRecord | None:
    """PENDING -> SENDING for the one worker that sends the push; None when it is no longer pending."""
    request = lock_request(session, request_id)
    if request.status != RequestStatus.PENDING:
        return None
    request.status = RequestStatus.SENDING
    request.push_attempts += 1
    return request


def mark_sent(
    session: Session, request_id: int, *, checkout_request_id: str, merchant_request_id: str, now: dt.datetime
) -> PaymentRequestRecord:
    """Daraja accepted the push: keep its CheckoutRequestID, the key every later answer arrives under."""
    request = lock_request(session, request_id)
    request.checkout_request_id = checkout_request_id
    request.merchant_request_id = merchant_request_id
    if request.status == RequestStatus.SENDING:  # a callback may already have settled it
        request.status = RequestStatus.SENT
    request.sent_at = now
    return request


def back_to_pending(session: Session, request_id: int, *, reason: str) -> None:
    """A transient failure before Daraja took the push: queue it again."""
    request = lock_request(session, request_id)
    if request.status == RequestStatus.SENDING:
        request.status = RequestStatus.PENDING
        request.result_desc = reason[:200]


def close(
    request: PaymentRequestRecord,
    status: RequestStatus,
    *,
    now: dt.datetime,
    code: str | None = None,
    desc: str | None = None,
) -> None:
    """Settle the request in its final (or review) state, keeping what M-Pesa said."""
    request.status = status
    request.resolved_at = now
    if code is not None:
        request.result_code = code[:12]
    if desc is not None:
        request.result_desc = desc[:200]


def flag(request: PaymentRequestRecord, reason: str) -> None:
    """Ask the bursar to look at this request; reasons add up rather than replace one another."""
    request.flagged = True
    request.flag_reason = f"{request.flag_reason}; {reason}" if request.flag_reason else reason
