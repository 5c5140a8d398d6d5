"""Students who leave a school (transferred, graduated, withdrawn, other) and come back.

A leaver keeps every record and every entry: only ``active`` turns off, with the day they left and why, so
invoicing, optional charges and reminders (all of which follow active students) stop, while the family can
still read the final statement. Re-admitting turns the student active again and invoicing resumes.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from ledger.errors import LedgerError
from ledger.records.tables import Student


class LeaveReason(enum.StrEnum):
    TRANSFERRED = "transferred"
    GRADUATED = "graduated"
    WITHDRAWN = "withdrawn"
    OTHER = "other"


REASONS = tuple(reason.value for reason in LeaveReason)


class LeaveRefused(LedgerError):
    """A leaving or re-admission that cannot be recorded as asked (a bad reason, a day still to come...)."""


class StudentLeft(LedgerError):
    """The student left before what was asked of them (e.g. a term that starts after they left)."""


def parse_reason(text: str) -> LeaveReason:
    """``Transferred`` -> LeaveReason.TRANSFERRED; anything else is refused naming the four reasons."""
    try:
        return LeaveReason(text.strip().lower())
    except ValueError:
        raise LeaveRefused(f"reason {text.strip()!r} is not one of {', '.join(REASONS)}") from None


def mark_left(student: Student, on: dt.date, reason: LeaveReason, *, today: dt.date) -> bool:
    """Record that the student left on ``on`` for ``reason``; True if that changed anything (leaving
    again on the same day for the same reason is no change; another day or reason corrects the record)."""
    if on > today:
        raise LeaveRefused(
            f"{on.isoformat()} is still to come: record a leaver on or after the day they leave"
        )
    if not student.active and student.left_on == on and student.leave_reason == reason.value:
        return False
    student.active, student.left_on, student.leave_reason = False, on, reason.value
    return True


def readmit(student: Student) -> bool:
    """Take a leaver back: active again, invoiced again from the next invoicing. False if not a leaver."""
    if student.active:
        return False
    student.active, student.left_on, student.leave_reason = True, None, None
    return True


def leaving_snapshot(student: Student) -> dict[str, Any]:
    """The student's standing as an audit row keeps it."""
    left_on = student.left_on.isoformat() if student.left_on else None
    return {
        "student": student.admission_no,
        "active": student.active,
        "left_on": left_on,
        "reason": student.leave_reason,
    }


def refuse_term_after_leaving(student: Student, term_code: str, term_starts_on: dt.date) -> None:
    """StudentLeft if the student had left before the term began (they are not invoiced for it)."""
    if student.left_on is not None and term_starts_on > student.left_on:
        raise StudentLeft(
            f"{student.admission_no} left on {student.left_on.isoformat()}, before term {term_code} began"
        )
