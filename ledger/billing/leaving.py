"""A student leaving, with what it means for their bill: optional items (transport, lunch) stop from the
day they left, with a credit for the days left of any already billed (``ledger.billing.optional_changes``).
The dashboard, ``karo student leave`` and the leavers import all leave through here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.billing.optional_changes import stop_optional_items
from ledger.records.leavers import LeaveReason, mark_left
from ledger.records.tables import Student


def leave_school(
    session: Session, student: Student, on: dt.date, reason: LeaveReason, *, today: dt.date, actor: str
) -> bool:
    """Mark the student as having left on ``on``; returns whether anything changed. Their optional items
    stop that day (once: a second leave on the same day credits nothing again)."""
    changed = mark_left(student, on, reason, today=today)
    if changed:
        stop_optional_items(session, student, on, key=f"leaving:s{student.id}:{on.isoformat()}", actor=actor)
    return changed
