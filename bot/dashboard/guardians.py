"""A student's guardians from their page, by a clerk or the bursar: add one (or link the guardian a phone
already belongs to), change a phone (the old one loses the child at that commit), set the language,
channel and email address, remove one (never the last). Each is audited with the student's register before
and after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import RecordsStaff, Staff, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.register import refused_on_page
from bot.dashboard.register_view import FormError
from bot.dashboard.rendering import redirect
from bot.routes.deps import SessionDep
from ledger.errors import NotFound
from ledger.imports.guardian_edits import add_guardian, change_phone, remove_guardian, set_preferences
from ledger.imports.register_edits import RegisterRefused, register_snapshot
from ledger.records.tables import Student

router = APIRouter()
GUARDIAN = "/dashboard/students/{student_id}/guardians/{guardian_id}"


@dataclass(frozen=True)
class Edit:
    """One guardian form: its audit action, its name on the page (for an inline error), its notice."""

    action: str
    form: str
    done: str


def _changed(
    request: Request,
    staff: Staff,
    session: Session,
    student_id: int,
    change: Callable[[Student], object],
    edit: Edit,
    typed: dict[str, str],
) -> Response:
    """Make ``change`` to the student's register, audited with it before and after; a refusal is shown
    beside the edit's form with what was ``typed``, a guardian not of this student is a 404."""
    student = school_student(session, staff, student_id)
    now = config_of(request).clock()
    before = register_snapshot(session, student)
    try:
        change(student)
    except NotFound:
        raise HTTPException(404, "No such guardian of this student.") from None
    except RegisterRefused as refused:
        session.rollback()
        error = FormError(edit.form, refused.field, str(refused), typed)
        return refused_on_page(request, staff, session, student, error)
    after = register_snapshot(session, student)
    target = f"student:{student.id}"
    staff.audit_change(session, action=edit.action, at=now, target=target, before=before, after=after)
    session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?register={edit.done}#guardians")


@router.post("/dashboard/students/{student_id}/guardians")
def new_guardian(
    request: Request,
    student_id: int,
    staff: RecordsStaff,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
) -> Response:
    def change(student: Student) -> object:
        return add_guardian(session, student, name=name, phone=phone, language=language)

    edit, typed = (
        Edit("guardian.add", "add", "guardian"),
        {"name": name, "phone": phone, "language": language},
    )
    return _changed(request, staff, session, student_id, change, edit, typed)


@router.post(GUARDIAN + "/phone")
def new_phone(
    request: Request,
    student_id: int,
    guardian_id: int,
    staff: RecordsStaff,
    session: SessionDep,
    phone: Annotated[str, Form()] = "",
) -> Response:
    now = config_of(request).clock()

    def change(student: Student) -> object:
        return change_phone(session, student, guardian_id, phone, at=now)

    edit = Edit("guardian.phone", f"phone-{guardian_id}", "phone")
    return _changed(request, staff, session, student_id, change, edit, {"phone": phone})


@router.post(GUARDIAN + "/preferences")
def new_preferences(
    request: Request,
    student_id: int,
    guardian_id: int,
    staff: RecordsStaff,
    session: SessionDep,
    language: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    email: Annotated[str | None, Form()] = None,  # not in the form: the address stays as it is
) -> Response:
    def change(student: Student) -> object:
        return set_preferences(session, student, guardian_id, language=language, channel=channel, email=email)

    edit = Edit("guardian.preferences", f"prefs-{guardian_id}", "preferences")
    typed = {"language": language, "channel": channel, "email": email or ""}
    return _changed(request, staff, session, student_id, change, edit, typed)


@router.post(GUARDIAN + "/remove")
def unlink_guardian(
    request: Request, student_id: int, guardian_id: int, staff: RecordsStaff, session: SessionDep
) -> Response:
    now = config_of(request).clock()

    def change(student: Student) -> object:
        return remove_guardian(session, student, guardian_id, at=now)

    edit = Edit("guardian.remove", f"remove-{guardian_id}", "removed")
    return _changed(request, staff, session, student_id, change, edit, {})
