"""A bursar agrees a payment plan with a family (instalment dates and KES amounts) or cancels it, from the
student's page; reminders follow a kept plan's instalments. Both are audited with the plan before and after.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.plan_view import BadPlanForm, PlanForm, form_of, instalments_of, plan_snapshot
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.payment_plans import InvalidPlan, active_plans, cancel_plan, create_plan
from ledger.clock import school_day
from ledger.records.tables import Student
from ledger.records.terms import current_term

router = APIRouter()


def _refused(
    request: Request, staff: Staff, session: Session, student: Student, form: PlanForm, error: str
) -> Response:
    context = student_context(request, staff, session, student)
    context.update(plan_form=form, plan_error=error)
    return render(request, "student.html", context, status_code=422)


def _standing(session: Session, student: Student) -> list[dict[str, Any]] | None:
    plans = active_plans(session, student.school_id, student_ids=[student.id])
    return plan_snapshot(plans[-1] if plans else None)


def _as_snapshot(instalments: list[tuple[dt.date, int]]) -> list[dict[str, Any]]:
    return [{"due_on": on.isoformat(), "amount": amount} for on, amount in sorted(instalments)]


@router.post("/dashboard/students/{student_id}/plan")
def add_plan(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    due_on: Annotated[list[str] | None, Form()] = None,
    amount: Annotated[list[str] | None, Form()] = None,
) -> Response:
    student = school_student(session, staff, student_id)
    form = form_of(due_on or [], amount or [])
    now = config_of(request).clock()
    today = school_day(now)
    term = current_term(session, staff.school_id, today)
    try:
        if term is None:
            raise BadPlanForm("No term is set for this school yet: a plan needs the term's dates.")
        before = _standing(session, student)
        instalments = instalments_of(form)
        if before == _as_snapshot(instalments):  # the same form sent twice: the plan stands, saved once
            return redirect(request, f"/dashboard/students/{student.id}?plan=saved#plan")
        plan = create_plan(
            session, student, term, instalments, actor=staff.member.email, today=today, now=now
        )
    except (BadPlanForm, InvalidPlan) as refused:
        session.rollback()
        message = str(refused)
        return _refused(
            request, staff, session, student, form, message[:1].upper() + message[1:].rstrip(".") + "."
        )
    staff.audit(
        session,
        action="plan.create",
        at=now,
        target=f"student:{student.id}",
        before={"student": student.admission_no, "plan": before},
        after={"student": student.admission_no, "term": term.code, "plan": plan_snapshot(plan)},
    )
    session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?plan=saved#plan")


@router.post("/dashboard/students/{student_id}/plan/cancel")
def cancel(request: Request, student_id: int, staff: MoneyStaff, session: SessionDep) -> Response:
    student = school_student(session, staff, student_id)
    now = config_of(request).clock()
    before = _standing(session, student)
    if cancel_plan(session, student, now=now):
        staff.audit(
            session,
            action="plan.cancel",
            at=now,
            target=f"student:{student.id}",
            before={"student": student.admission_no, "plan": before},
            after={"student": student.admission_no, "plan": None},
        )
        session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?plan=cancelled#plan")
