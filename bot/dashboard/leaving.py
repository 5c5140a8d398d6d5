"""A student leaving the school, or re-admitted, from the student's page: a records change, so a clerk or a
bursar may make it (Can.RECORDS); each is audited with the student's standing before and after."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import RecordsStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.leaving_view import LeavingForm
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.leaving import leave_school
from ledger.clock import school_day
from ledger.imports.core import BadRow
from ledger.imports.fields import date_value
from ledger.records.leavers import LeaveRefused, leaving_snapshot, parse_reason, readmit
from ledger.records.tables import Student
from ledger.staff.audit import Snapshot

router = APIRouter()


@router.post("/dashboard/students/{student_id}/leave")
def leave(
    request: Request,
    student_id: int,
    staff: RecordsStaff,
    session: SessionDep,
    left_on: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    now = config_of(request).clock()
    before = leaving_snapshot(student)
    try:
        day = date_value(left_on, "Date left")
        changed = leave_school(
            session, student, day, parse_reason(reason), today=school_day(now), actor=staff.member.email
        )
    except (BadRow, LeaveRefused) as refused:
        session.rollback()
        context = student_context(request, staff, session, student)
        message = str(refused)
        context.update(
            leaving_form=LeavingForm(left_on, reason), leaving_error=message[:1].upper() + message[1:] + "."
        )
        return render(request, "student.html", context, status_code=422)
    if changed:
        _audited(session, staff, student, "student.leave", now, before)
    return redirect(request, f"/dashboard/students/{student.id}?leaving=left#leaving")


@router.post("/dashboard/students/{student_id}/readmit")
def readmit_student(request: Request, student_id: int, staff: RecordsStaff, session: SessionDep) -> Response:
    student = school_student(session, staff, student_id)
    before = leaving_snapshot(student)
    if readmit(student):
        _audited(session, staff, student, "student.readmit", config_of(request).clock(), before)
    return redirect(request, f"/dashboard/students/{student.id}?leaving=readmitted#leaving")


def _audited(
    session: Session, staff: Staff, student: Student, action: str, now: dt.datetime, before: Snapshot
) -> None:
    """Audit the change with the student's standing before and after, and commit them together."""
    target = f"student:{student.id}"
    staff.audit(session, action=action, at=now, target=target, before=before, after=leaving_snapshot(student))
    session.commit()
