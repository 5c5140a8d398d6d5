"""Webhook bodies we could not act on, kept word for word for review: the one store for every webhook.

A body no webhook can use (``bot.routes.edge``: NULs, over-long values, JSON too deep), a malformed body, an
STK callback for a CheckoutRequestID we do not know (yet), a Paybill confirmation for a shortcode no school
owns, an M-Pesa amount outside Daraja's limits, a receipt repeated with another amount or account: nothing
is posted from these, but the payload is never lost. Those that belong to a school name it (``school_id``),
so its bursar sees them. An STK callback that raced ahead of the push being recorded is kept here too, and
applied when the push is recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime


class CallbackFailure(Base):
    __tablename__ = "callback_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    route: Mapped[str] = mapped_column(String(40))  # "stk", "c2b-validate", "c2b-confirm", "at-sms"...
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    checkout_request_id: Mapped[str | None] = mapped_column(String(60), index=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)


def keep_failure(
    session: Session,
    *,
    route: str,
    payload: str,
    reason: str,
    now: dt.datetime,
    checkout_request_id: str | None = None,
    school_id: int | None = None,
) -> CallbackFailure:
    failure = CallbackFailure(
        received_at=now,
        route=route,
        payload=payload,
        reason=reason,
        checkout_request_id=checkout_request_id,
        resolved=False,
        school_id=school_id,
    )
    session.add(failure)
    session.flush()
    return failure


def early_callbacks(session: Session, checkout_request_id: str) -> list[CallbackFailure]:
    """STK callbacks that arrived before their push was recorded, not yet applied."""
    return list(
        session.scalars(
            select(CallbackFailure)
            .where(
                CallbackFailure.checkout_request_id == checkout_request_id,
                CallbackFailure.resolved.is_(False),
            )
            .order_by(CallbackFailure.id)
        )
    )
