"""Tables the channels keep for themselves (the ledger knows nothing of channels)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base


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
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
