"""Idempotency keys of API requests that record payments: the same key with the same body answers with
the first payment; with another body it is refused (``IdempotencyConflict``), as the ledger's own keys are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.tables import Payment
from ledger.db import Base, UtcDateTime
from ledger.errors import IdempotencyConflict

KEY_LENGTH = 120


class PaymentRequestKey(Base):
    __tablename__ = "payment_request_keys"
    __table_args__ = (UniqueConstraint("school_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    body_hash: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def body_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _earlier(session: Session, school_id: int, key: str, digest: str) -> Payment | None:
    found = session.scalars(
        select(PaymentRequestKey).where(
            PaymentRequestKey.school_id == school_id, PaymentRequestKey.idempotency_key == key
        )
    ).one_or_none()
    if found is None:
        return None
    if found.body_hash != digest:
        raise IdempotencyConflict(key)
    return session.get(Payment, found.payment_id)


def payment_once(
    session: Session,
    school_id: int,
    key: str,
    body: Mapping[str, Any],
    record: Callable[[], Payment],
    *,
    now: dt.datetime,
) -> tuple[Payment, bool]:
    """The payment this key recorded before, or ``record()`` run once under it; returns (payment, created)."""
    digest = body_hash(body)
    earlier = _earlier(session, school_id, key, digest)
    if earlier is not None:
        return earlier, False
    try:
        with session.begin_nested():
            payment = record()
            session.add(
                PaymentRequestKey(
                    school_id=school_id,
                    idempotency_key=key,
                    body_hash=digest,
                    payment_id=payment.id,
                    created_at=now,
                )
            )
            session.flush()
            return payment, True
    except IntegrityError:  # the same key committed by a concurrent request first
        earlier = _earlier(session, school_id, key, digest)
        if earlier is None:
            raise
        return earlier, False
