"""Adding a student (from the students list) and changing a student's name or class (on their page), by a
clerk or the bursar; the bursar may also invoice a student added while a term runs, at once. Each change
is audited with the student before and after; a refused form comes back with its error beside the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import Can, RecordsStaff, Staff, refuse_unless, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.register_view import FormError, class_names, register_context
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.invoicing import invoice_student
from ledger.clock import school_day
from ledger.events import ClassInvoiced, raise_event
from ledger.imports.register_edits import (
    COLUMNS,
    RegisterRefused,
    add_student,
    change_student,
    register_snapshot,
)
from ledger.records.tables import Student, Term
from ledger.records.terms import current_term

router = APIRouter()
NEW_STUDENT = "/dashboard/new-student"


def _new_student_page(
    request: Request, staff: Staff, session: Session, typed: dict[str, str], error: RegisterRefused | None
) -> Response:
    term = current_term(session, staff.school_id, school_day(config_of(request).clock()))
    context = {
        "staff": staff,
        "page": "students",
        "typed": typed,
        "error": error,
        "classes": class_names(session, staff.school_id),
        "term": term,
        "can_invoice": staff.can(Can.MONEY) and term is not None,
    }
    return render(request, "new_student.html", context, status_code=422 if error else 200)


@router.get(NEW_STUDENT)
def new_student_form(request: Request, staff: RecordsStaff, session: SessionDep) -> Response:
    return _new_student_page(request, staff, session, {"invoice": "1"}, None)


@router.post(NEW_STUDENT)
async def new_student(request: Request, staff: RecordsStaff, session: SessionDep) -> Response:
    form = await request.form()  # its fields are the students file's columns, "class" among them
    typed = {name: str(form.get(name) or "") for name in (*COLUMNS, "invoice")}
    if typed["invoice"]:
        refuse_unless(staff, Can.MONEY, "invoice a student")
    now = config_of(request).clock()
    try:
        added = add_student(session, staff.school, typed, today=school_day(now))
    except RegisterRefused as refused:
        session.rollback()
        return _new_student_page(request, staff, session, typed, refused)
    student = added.student
    invoiced = _invoice_now(session, staff, student, now) if typed["invoice"] else None
    after = register_snapshot(session, student) | {
        "invoiced": invoiced.code if invoiced else None,
        "linked": list(added.linked),  # guardians already on record, whose names stand
    }
    staff.audit(session, action="student.add", at=now, target=f"student:{student.id}", after=after)
    session.commit()
    done = "invoiced" if invoiced else "added"
    return redirect(request, f"/dashboard/students/{student.id}?register={done}")


def _invoice_now(session: Session, staff: Staff, student: Student, now: dt.datetime) -> Term | None:
    """The running term's fees for a student who joins during it; the family is told them."""
    term = current_term(session, staff.school_id, school_day(now))
    if term is None:
        return None
    entry, created = invoice_student(session, student, term, actor=staff.member.email)
    if entry is None:
        return None
    if created:
        raise_event(session, ClassInvoiced(student.class_id, term.id, now))
    return term


@router.post("/dashboard/students/{student_id}/edit")
def edit_student(
    request: Request,
    student_id: int,
    staff: RecordsStaff,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    class_name: Annotated[str, Form(alias="class")] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    now = config_of(request).clock()
    before = register_snapshot(session, student)
    try:
        changed = change_student(session, student, name=name, class_name=class_name)
    except RegisterRefused as refused:
        session.rollback()
        error = FormError("edit", refused.field, str(refused), {"name": name, "class": class_name})
        return refused_on_page(request, staff, session, student, error)
    if changed:
        after = register_snapshot(session, student)
        staff.audit(
            session, action="student.edit", at=now, target=f"student:{student.id}", before=before, after=after
        )
        session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?register=edited")


def refused_on_page(
    request: Request, staff: Staff, session: Session, student: Student, error: FormError
) -> Response:
    """The student page again, with the refused form open and its error beside the field (422)."""
    context = student_context(request, staff, session, student)
    context["register"] = register_context(session, staff, student, error=error)
    return render(request, "student.html", context, status_code=422)
