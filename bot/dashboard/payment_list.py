"""The payments list: the school's latest payments (searchable by receipt or reference), where each one's
money is now (a student, suspense, or voided), and a Reverse action for the bursar."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import Can, StaffDep
from bot.dashboard.rendering import render
from bot.routes.deps import SessionDep
from ledger.books.tables import Entry, Payment
from ledger.records.tables import Student
from ledger.staff.approvals import ReversalRequest

router = APIRouter()

SHOWN = 100


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    student: Student | None
    voided: bool


def latest_payments(session: Session, school_id: int, search: str = "") -> list[PaymentRow]:
    """The school's payments, newest first; ``search`` matches part of the reference, in any case."""
    voiding = aliased(Entry)
    query = (
        select(Payment, Student, voiding.id)
        .outerjoin(Student, Student.id == Payment.student_id)
        .outerjoin(voiding, voiding.reverses_id == Payment.entry_id)
        .where(Payment.school_id == school_id)
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .limit(SHOWN)
    )
    wanted = " ".join(search.split()).upper()
    if wanted:
        query = query.where(func.upper(Payment.reference).contains(wanted, autoescape=True))
    return [
        PaymentRow(payment, student, voided is not None)
        for payment, student, voided in session.execute(query)
    ]


@router.get("/dashboard/payments")
def payments_page(
    request: Request, staff: StaffDep, session: SessionDep, q: str = "", reversal_id: int | None = None
) -> Response:
    asked = session.get(ReversalRequest, reversal_id) if reversal_id is not None else None
    context = {
        "staff": staff,
        "page": "payments",
        "rows": latest_payments(session, staff.school_id, q[:40]),
        "q": q[:40],
        "can_reverse": staff.can(Can.MONEY),
        "corrections": {
            "just_asked": asked if asked is not None and asked.school_id == staff.school_id else None
        },
    }
    return render(request, "payment_list.html", context)
