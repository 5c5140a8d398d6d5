"""A student's page: statement with per-vote-head balances, guardians and their channels, the messages
sent about the student and what became of them, attendance and results for the term."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.dashboard.access import Can, Staff, StaffDep, school_student
from bot.dashboard.bursary_view import bursary_context
from bot.dashboard.charges_panel import charges_panel
from bot.dashboard.cookies import config_of
from bot.dashboard.corrections import student_corrections
from bot.dashboard.credit_view import credit_context
from bot.dashboard.leaving_view import leaving_context
from bot.dashboard.messages_text import plain_reason
from bot.dashboard.plan_view import current_plan, new_plan_form
from bot.dashboard.register_view import register_context
from bot.dashboard.rendering import render
from bot.dashboard.send_statement import SENDERS
from bot.routes.deps import SessionDep
from ledger.books.balances import student_balance
from ledger.books.statements import recent_receipts, statement
from ledger.books.tables import Payment
from ledger.clock import school_day
from ledger.messaging.outbox import OutboxMessage
from ledger.records.attendance import attendance_summary
from ledger.records.results import exam_summary, latest_exams
from ledger.records.tables import Guardian, Student, StudentGuardian
from ledger.records.terms import current_term
from ledger.types import ExamSummary

router = APIRouter()

STATEMENT_LINES = 20
MESSAGES_SHOWN = 20


@dataclass(frozen=True)
class GuardianView:
    name: str
    phone: str
    language: str
    channel: str
    stopped: tuple[str, ...]  # categories the guardian opted out of


@dataclass(frozen=True)
class MessageView:
    at: str
    phone: str
    channel: str
    category: str
    status: str
    reason: str | None
    body: str


def guardians_of(session: Session, student: Student) -> list[GuardianView]:
    query = (
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == student.id, Guardian.school_id == student.school_id)
        .order_by(Guardian.name)
    )
    return [
        GuardianView(g.name, g.phone, g.language.value, g.preferred_channel.value, tuple(g.opted_out or ()))
        for g in session.scalars(query)
    ]


def messages_about(session: Session, student: Student, limit: int = MESSAGES_SHOWN) -> list[MessageView]:
    """Messages naming the student, or sent to the student's guardians, newest first."""
    guardians = select(StudentGuardian.guardian_id).where(StudentGuardian.student_id == student.id)
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.school_id == student.school_id,
            or_(OutboxMessage.student_id == student.id, OutboxMessage.guardian_id.in_(guardians)),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [message_view(m) for m in session.scalars(query)]


def message_view(message: OutboxMessage) -> MessageView:
    return MessageView(
        at=message.created_at.strftime("%Y-%m-%d %H:%M"),
        phone=message.phone,
        channel=message.channel,
        category=message.category.value.replace("_", " "),
        status=message.status.value,
        reason=plain_reason(message.failure_reason) if message.failure_reason else None,
        body=message.body,
    )


def exams_of(session: Session, student: Student) -> list[ExamSummary]:
    found = (exam_summary(session, exam, student) for exam in latest_exams(session, student, limit=2))
    return [summary for summary in found if summary is not None]


def just_paid(session: Session, student: Student, payment_id: int | None) -> Payment | None:
    """The payment a form just recorded, to confirm it; only one of this student's."""
    payment = session.get(Payment, payment_id) if payment_id is not None else None
    return payment if payment is not None and payment.student_id == student.id else None


@router.get("/dashboard/students/{student_id}")
def student_page(
    request: Request, student_id: int, staff: StaffDep, session: SessionDep, paid: int | None = None
) -> Response:
    student = school_student(session, staff, student_id)
    return render(request, "student.html", student_context(request, staff, session, student, paid))


def student_context(
    request: Request, staff: Staff, session: Session, student: Student, paid: int | None = None
) -> dict[str, Any]:
    """Everything the student page shows (the plan form re-renders it with its error)."""
    today = school_day(config_of(request).clock())
    term = current_term(session, staff.school_id, today)
    return {
        "staff": staff,
        "page": "students",
        "student": student,
        "balance": student_balance(session, student),
        "statement": statement(session, student, limit=STATEMENT_LINES),
        "receipts": recent_receipts(session, student),
        "guardians": guardians_of(session, student),
        "messages": messages_about(session, student),
        "attendance": attendance_summary(session, student, term) if term is not None else None,
        "exams": exams_of(session, student),
        "paid": just_paid(session, student, paid),
        "can_take_money": staff.can(Can.MONEY),
        "can_send_statement": staff.member.role in SENDERS,
        "statement_sent": request.query_params.get("statement_sent"),
        "plan": current_plan(session, student, today),
        "plan_form": new_plan_form(),
        "plan_error": None,
        "plan_saved": request.query_params.get("plan"),
        "register": register_context(session, staff, student, request.query_params.get("register")),
        "charges": charges_panel(session, student, today, done=request.query_params.get("charged")),
        **bursary_context(session, student, today),
        "corrections": student_corrections(session, staff, student, request.query_params.get("reversal_id")),
        **leaving_context(session, staff, student, today.isoformat(), request.query_params.get("leaving")),
        **credit_context(session, staff, student, today.isoformat(), request.query_params.get("credit")),
    }
