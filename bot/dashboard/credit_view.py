"""What the student page shows of a credit: how much, and (for the money role) the forms that pay it back
or move it to a sibling."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.dashboard.access import Can, Staff
from ledger.billing.refunds import METHOD_NAMES, credit_of, siblings_of
from ledger.records.tables import Student


@dataclass(frozen=True)
class CreditForm:
    form_token: str  # keys a move of credit, so a double submit moves it once
    amount: str = ""
    method: str = ""
    reference: str = ""
    paid_on: str = ""
    to: str = ""  # the sibling's student id


def new_credit_form(today: str) -> CreditForm:
    return CreditForm(form_token=secrets.token_hex(6).upper(), paid_on=today)


def credit_context(
    session: Session, staff: Staff, student: Student, today: str, saved: str | None
) -> dict[str, Any]:
    """The keys ``_student_credit.html`` reads (a refused form replaces ``credit_form``/``credit_error``)."""
    can_move = staff.can(Can.MONEY)
    return {
        "credit": credit_of(session, student),
        "siblings": siblings_of(session, student) if can_move else [],
        "refund_methods": {method.value: name for method, name in METHOD_NAMES.items()},
        "credit_form": new_credit_form(today),
        "credit_error": None,
        "credit_saved": saved,
    }
