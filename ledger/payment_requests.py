"""Requests for an M-Pesa STK push: recorded before the push is sent, resolved by its callback."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base
from ledger.errors import InvalidAmount
from ledger.records import _enum

MIN_AMOUNT = 10_00  # KES 10, in cents
MAX_AMOUNT = 250_000_00  # Daraja's per-transaction ceiling
# A phone with a request younger than this gets "a prompt is on its way" instead of a second prompt.
PENDING_WINDOW = dt.timedelta(minutes=3)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # recorded; the push is queued
    SENT = "sent"  # Daraja accepted it; waiting for the parent's PIN
    PAID = "paid"
    FAILED = "failed"
    REVIEW = "review"  # no answer after the query schedule: for the bursar


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
    result_code: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def pending_request(session: Session, phone: str, now: dt.datetime) -> PaymentRequestRecord | None:
    """A request from this phone still waiting on the parent, if one is recent enough to matter."""
    return session.scalars(
        select(PaymentRequestRecord)
        .where(
            PaymentRequestRecord.phone == phone,
            PaymentRequestRecord.status.in_([RequestStatus.PENDING, RequestStatus.SENT]),
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
    )
    session.add(record)
    session.flush()
    return record
