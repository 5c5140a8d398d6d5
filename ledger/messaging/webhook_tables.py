"""Tables of the outgoing webhooks: a school's endpoints, one delivery per endpoint and event, and every
attempt at it (the delivery log).

A delivery is written in the same transaction as the money that causes it (``ledger.messaging.webhooks``,
handling the domain events), its body frozen then, so a retry sends the very bytes first signed for it.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.records.tables import _enum


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    SENDING = "sending"  # claimed by a worker; the POST may be in flight
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every retry failed (or a test ping's one attempt)
    CANCELLED = "cancelled"  # its endpoint was deleted first


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)  # the event types it subscribed to
    # The signing secret, sealed by the bot with a key derived from KARO_SECRET_KEY: shown once, kept only
    # so each delivery can be signed; ``secret_hint`` (its last characters) tells endpoints apart.
    secret_sealed: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(254))
    # Deleted endpoints stay (their deliveries and the audit log name them) but get nothing more.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    # One delivery per endpoint and event: a cause seen twice (a duplicated callback) delivers once.
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(120))  # what caused it, e.g. payment.received:12:40
    event_id: Mapped[str] = mapped_column(String(40))  # the payload's "id": the same at every endpoint
    body: Mapped[str] = mapped_column(Text)  # the JSON exactly as signed and sent
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))


class WebhookAttempt(Base):
    """One POST of a delivery: what the endpoint answered (or why there was no answer), and how fast."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first attempt
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)  # None: no HTTP answer (see error)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(String(300))  # the start of the answer's body
