"""The record of each year-end rollover: what it did, student by student, so undoing it is exact.

``applied_year`` is the year rolled over to while the rollover stands and NULL once undone, so a school has at
most one standing rollover per year (NULLs never clash in a unique constraint) and keeps its undone ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime


class YearRollover(Base):
    __tablename__ = "year_rollovers"
    __table_args__ = (UniqueConstraint("school_id", "applied_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    to_year: Mapped[int] = mapped_column(Integer)
    applied_year: Mapped[int | None] = mapped_column(Integer)
    # The plan as applied (ledger.billing.rollover_plan.RolloverPlan.as_json): every student's move.
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What applying created (class, term and fee item ids), for undo to remove if still unused.
    made: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The school's last journal entry when applied: an invoice after it means undo is too late.
    entry_mark: Mapped[int] = mapped_column(BigInteger, default=0)
    applied_on: Mapped[dt.date] = mapped_column(Date)  # the school's day (Nairobi): undo only on it
    applied_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    applied_by: Mapped[str] = mapped_column(String(254))
    undone_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(254))
