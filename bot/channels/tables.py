"""Tables the channels keep for themselves (the ledger knows nothing of channels)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime


class UssdSessionReport(Base):
    """Africa's Talking's end-of-session report: how a USSD session ended, to spot failing menus."""

    __tablename__ = "ussd_session_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(80), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    service_code: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # Success, Incomplete, Failed
    hops: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    last_input: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[str | None] = mapped_column(String(30))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class InboundMessage(Base):
    """A message a parent sent by SMS or WhatsApp, kept before anything else is done with it: answered
    when the conversation store can be reached (``answered_at``), never lost while it cannot."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("provider", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(
        String(80)
    )  # AT's id, Twilio's MessageSid: redeliveries share it
    channel: Mapped[str] = mapped_column(String(12))
    phone: Mapped[str] = mapped_column(String(16))
    to: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    link_id: Mapped[str | None] = mapped_column(String(80))
    button_payload: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # as the provider says
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)
