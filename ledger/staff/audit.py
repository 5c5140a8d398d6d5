"""The audit log: every change, from the dashboard or the ``karo`` command, with who, what, when, and the
before and after.

A row is written in the same transaction as the change it describes, so one never exists without the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.balances import total_owed
from ledger.books.tables import Payment
from ledger.db import Base, UtcDateTime
from ledger.records.tables import Student

Snapshot = Mapping[str, Any]  # JSON-able: names, ids, cents, ISO dates


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_school_id_id", "school_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # the staff member's email, or "cli:<os user>"
    action: Mapped[str] = mapped_column(String(60))  # e.g. "login", "payment.record"
    target: Mapped[str | None] = mapped_column(String(80))  # e.g. "student:12", "payment:40"
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def audit(
    session: Session,
    *,
    school_id: int,
    actor: str,
    action: str,
    at: dt.datetime,
    staff_id: int | None = None,
    target: str | None = None,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
) -> AuditEntry:
    """Write one audit row in the caller's transaction."""
    entry = AuditEntry(
        school_id=school_id,
        staff_id=staff_id,
        actor=actor,
        action=action,
        target=target,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        at=at,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_trail(session: Session, school_id: int, *, limit: int = 50) -> list[AuditEntry]:
    """The school's latest audit rows, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.school_id == school_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def payment_recorded(
    session: Session, student: Student, payment: Payment, balance_before: int
) -> tuple[Snapshot, Snapshot]:
    """The (before, after) an audit row keeps of a payment recorded by hand, by the dashboard or the API."""
    before = {"student": student.admission_no, "balance": balance_before}
    after = {
        "student": student.admission_no,
        "balance": total_owed(session, student.id),
        "amount": payment.amount,
        "source": payment.source.value,
        "reference": payment.reference,
    }
    return before, after
