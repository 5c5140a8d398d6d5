"""The parent API's own tables: one-time codes, bearer tokens, read markers and payment idempotency keys.

Codes (HMAC-SHA256, keyed from the deployment's secret) and tokens (SHA-256) are stored as digests only:
a copy of the database signs nobody in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime


class ParentCode(Base):
    """A one-time sign-in code asked for a phone. A row is written for an unknown phone too (without an SMS),
    so the rate limits and the answer are the same whether or not the phone is a guardian's."""

    __tablename__ = "parent_codes"
    __table_args__ = (
        Index("ix_parent_codes_phone_created_at", "phone", "created_at"),
        Index("ix_parent_codes_address_created_at", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))  # the client address that asked (rate limit)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ParentToken(Base):
    __tablename__ = "parent_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ParentRead(Base):
    """A message (an outbox row to this phone) the parent marked read."""

    __tablename__ = "parent_reads"
    __table_args__ = (UniqueConstraint("phone", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ParentPayKey(Base):
    """An ``Idempotency-Key`` of a payment request from the API: the same key and body answers the same
    request again; the same key with another body is refused."""

    __tablename__ = "parent_pay_keys"
    __table_args__ = (UniqueConstraint("phone", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(100))  # student and amount, as the request named them
    request_id: Mapped[int | None] = mapped_column(ForeignKey("payment_requests.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
