"""The outbox: every message Karo sends is first a row here, written in the same transaction as its cause.

A unique dedupe key (event, guardian, channel) means a cause seen twice (a duplicated M-Pesa callback)
writes one message. Workers claim rows, send them, and record what the provider said; delivery reports
only ever move a message forward.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.bulk import insert_or_fetch
from ledger.db import Base, UtcDateTime, is_postgres
from ledger.records.tables import _enum


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for its next retry)
    SENDING = "sending"  # claimed by a worker; the provider call may be in flight
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"  # accepted, then the network could not deliver it
    FAILED = "failed"  # refused for good (or retries exhausted): see failure_reason


# How far along each status is: a report may only move a message to a higher rank.
RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.READ: 5,
}


class Category(enum.StrEnum):
    RECEIPT = "receipt"
    REMINDER = "reminder"
    INVOICE_NOTICE = "invoice_notice"
    LATE_FEE_NOTICE = "late_fee_notice"
    PAYMENT_FAILED = "payment_failed"
    SUSPENSE_NOTICE = "suspense_notice"
    THANKS = "thanks"
    BURSARY_NOTICE = "bursary_notice"  # a bursary credited to a child
    REVERSAL_NOTICE = "reversal_notice"  # a payment the family was receipted for was reversed
    REPLY = "reply"  # an answer to a message the parent sent
    DAILY_CLOSE = "daily_close"  # the day's money summary, to the school's own phones (not bulk: staff ask)
    ANNOUNCEMENT = "announcement"  # the head's or bursar's word to families (ledger.messaging.announcements)
    STATEMENT = "statement"  # a child's statement the bursar sent the family (bot.dashboard.send_statement)


# Bulk messages go after anything a parent is waiting for, and never in the school's quiet hours
# (``ledger.messaging.campaigns.deferral_for``); a new kind of bulk message is listed here and gets both.
BULK = frozenset(
    {Category.REMINDER, Category.INVOICE_NOTICE, Category.LATE_FEE_NOTICE, Category.ANNOUNCEMENT}
)
BULK_PRIORITY = 1


def priority_of(category: Category) -> int:
    return BULK_PRIORITY if category in BULK else 0


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # Workers claim by (priority, due time): the index serves that order for the queued rows.
    __table_args__ = (
        Index("ix_outbox_status_priority_next_attempt_at", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    phone: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(12))  # sms, whatsapp, or "auto": chosen when sent
    category: Mapped[Category] = mapped_column(_enum(Category))
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    body: Mapped[str] = mapped_column(Text)
    template_id: Mapped[str | None] = mapped_column(String(60))
    template_vars: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # A document sent with the text where the channel carries one (WhatsApp): the public link the provider
    # fetches it from (a receipt's PDF, ``bot.documents.links``). SMS never carries it.
    media_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # 0: a parent is waiting (replies, receipts, payment notices); 1: bulk (reminders, invoice notices),
    # so a campaign of thousands never holds up the answer to a parent's message.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Set just before the provider is called: a claimed row without it was never attempted.
    send_started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    provider: Mapped[str | None] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(80), index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    phone: str,
    body: str,
    category: Category,
    now: dt.datetime,
    channel: str = "auto",
    school_id: int | None = None,
    guardian_id: int | None = None,
    student_id: int | None = None,
    media_url: str | None = None,
) -> tuple[OutboxMessage, bool]:
    """Add a message unless one with this dedupe key exists; returns (message, created)."""
    values = {
        "media_url": media_url,
        "dedupe_key": dedupe_key,
        "phone": phone,
        "body": body,
        "category": category,
        "channel": channel,
        "priority": priority_of(category),
        "school_id": school_id,
        "guardian_id": guardian_id,
        "student_id": student_id,
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    return insert_or_fetch(session, OutboxMessage, values, lambda: _by_key(session, dedupe_key))


def _by_key(session: Session, dedupe_key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).one_or_none()


def claim_due(session: Session, *, now: dt.datetime, limit: int) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages SENDING for this worker (others skip rows already claimed):
    those a parent is waiting for first, then bulk ones, each oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    messages = list(session.scalars(query))
    for message in messages:
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.claimed_at = now
        message.updated_at = now
    session.flush()
    return messages


def mark_in_flight(message: OutboxMessage, *, provider: str, channel: str, now: dt.datetime) -> None:
    message.provider, message.channel = provider, channel
    message.send_started_at = now
    message.updated_at = now


def stale_claims(session: Session, *, now: dt.datetime, lease: dt.timedelta) -> list[OutboxMessage]:
    """Messages a worker claimed and never finished (it died): requeue or check with the provider."""
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < now - lease
            )
        )
    )


def requeue(message: OutboxMessage, *, now: dt.datetime) -> None:
    """Back to the queue: only for a message the provider never received."""
    message.status = MessageStatus.QUEUED
    message.claimed_at = message.send_started_at = None
    message.next_attempt_at = message.updated_at = now


def record_accepted(
    message: OutboxMessage, *, provider: str, provider_id: str | None, now: dt.datetime
) -> None:
    message.provider, message.provider_id = provider, provider_id
    _advance(message, MessageStatus.SENT, now)


def record_refused(message: OutboxMessage, *, provider: str, reason: str, now: dt.datetime) -> None:
    message.provider, message.failure_reason = provider, reason
    _advance(message, MessageStatus.FAILED, now)


def record_retry(message: OutboxMessage, *, reason: str, at: dt.datetime, now: dt.datetime) -> None:
    """Back to the queue for another attempt at ``at`` (a transient failure)."""
    message.status = MessageStatus.QUEUED
    message.failure_reason = reason
    message.next_attempt_at = at
    message.claimed_at = message.send_started_at = None
    message.updated_at = now


def apply_delivery_update(
    session: Session,
    *,
    provider: str,
    provider_id: str,
    status: MessageStatus,
    reason: str | None,
    now: dt.datetime,
) -> OutboxMessage | None:
    """Move the message a report is about forward; a late or repeated report changes nothing."""
    message = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.provider == provider, OutboxMessage.provider_id == provider_id
        )
    ).one_or_none()
    if message is not None and _advance(message, status, now) and reason:
        message.failure_reason = reason
    return message


def _advance(message: OutboxMessage, status: MessageStatus, now: dt.datetime) -> bool:
    if RANK[status] <= RANK[message.status]:
        return False
    message.status = status
    message.updated_at = now
    return True
