"""A student's statement as a page to print or save as PDF from the browser (print-styled, no navigation)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.access import StaffDep, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.dashboard.student import guardians_of
from bot.routes.deps import SessionDep
from ledger.books.balances import student_balance
from ledger.books.statements import statement
from ledger.clock import school_day

router = APIRouter()

PRINTED_LINES = 200  # a few years of a family's history on two or three pages


@router.get("/dashboard/students/{student_id}/statement")
def printable_statement(request: Request, student_id: int, staff: StaffDep, session: SessionDep) -> Response:
    student = school_student(session, staff, student_id)
    context = {
        "staff": staff,
        "student": student,
        "balance": student_balance(session, student),
        "statement": statement(session, student, limit=PRINTED_LINES),
        "guardians": guardians_of(session, student),
        "today": school_day(config_of(request).clock()),
    }
    return render(request, "statement_print.html", context)
