"""What the student page shows about leaving: a leaver's banner and re-admission, or the leaving form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.dashboard.access import Can, Staff
from ledger.billing.leaver_invoices import invoiced_after_leaving
from ledger.records.leavers import REASONS
from ledger.records.tables import Student


@dataclass(frozen=True)
class LeavingForm:
    left_on: str  # as typed (YYYY-MM-DD), today's date when first shown
    reason: str = ""


def leaving_context(
    session: Session, staff: Staff, student: Student, today: str, saved: str | None
) -> dict[str, Any]:
    """The keys ``_student_leaving.html`` reads (a refused form replaces the form and its error)."""
    return {
        "invoiced_after_leaving": [code for code, _ in invoiced_after_leaving(session, student)],
        "can_keep_records": staff.can(Can.RECORDS),
        "leave_reasons": REASONS,
        "leaving_form": LeavingForm(today),
        "leaving_error": None,
        "leaving_saved": saved,
        "chases_leavers": staff.school.chase_leavers,
    }
