"""A student's statement as a page to print or save as PDF from the browser (print-styled, no navigation)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.access import StaffDep, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.dashboard.student import guardians_of
from bot.documents.statement_pdf import printed_statement
from bot.routes.deps import SessionDep
from ledger.clock import school_day

router = APIRouter()


@router.get("/dashboard/students/{student_id}/statement")
def printable_statement(request: Request, student_id: int, staff: StaffDep, session: SessionDep) -> Response:
    student = school_student(session, staff, student_id)
    printed = printed_statement(session, student)
    context = {
        "staff": staff,
        "student": student,
        "balance": printed.balance,
        "statement": printed.statement,
        "guardians": guardians_of(session, student),
        "today": school_day(config_of(request).clock()),
    }
    return render(request, "statement_print.html", context)
