"""Students with their class, status and guardians; paged in (updated_at, id) order for sync."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from bot.api.pages import Page, decode_cursor, encode_cursor
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.api.school.auth import Reader
from bot.api.school.common import DEFAULT, Cursor, Id, Limit, Since, aware, owned
from bot.api.school.models import ClassOut, GuardianOut, StudentOut
from bot.routes.deps import SessionDep
from ledger.records.tables import Student, StudentGuardian

router = APIRouter(tags=["students"], responses=PROBLEM_RESPONSES)


def student_out(student: Student) -> StudentOut:
    guardians = sorted((link.guardian for link in student.guardian_links), key=lambda g: g.id)
    return StudentOut(
        id=student.id,
        admission_no=student.admission_no,
        name=student.name,
        school_class=ClassOut(id=student.school_class.id, name=student.school_class.name),
        status="active" if student.active else "left",
        left_on=student.left_on,
        leave_reason=student.leave_reason,
        guardians=[
            GuardianOut(id=g.id, name=g.name, phone=g.phone, language=g.language.value) for g in guardians
        ],
        updated_at=student.updated_at,
    )


def _loaded() -> tuple[ExecutableOption, ...]:
    return (
        selectinload(Student.school_class),
        selectinload(Student.guardian_links).selectinload(StudentGuardian.guardian),
    )


def _after(cursor: str | None) -> tuple[dt.datetime, int] | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        moment, id_ = dt.datetime.fromisoformat(str(key[0])), key[1]
    except (ValueError, IndexError):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.") from None
    if len(key) != 2 or not isinstance(id_, int):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.")
    return aware(moment) or moment, id_


@router.get("/students", response_model=Page[StudentOut], response_model_by_alias=True)
def list_students(
    caller: Reader,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    updated_since: Since = None,
) -> Page[StudentOut]:
    """The school's students, those who left included, oldest change first."""
    query = select(Student).where(Student.school_id == caller.school_id).options(*_loaded())
    since = aware(updated_since)
    if since is not None:
        query = query.where(Student.updated_at >= since)
    after = _after(cursor)
    if after is not None:
        moment, id_ = after
        query = query.where(
            or_(Student.updated_at > moment, and_(Student.updated_at == moment, Student.id > id_))
        )
    rows = list(session.scalars(query.order_by(Student.updated_at, Student.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].id]) if more else None
    return Page[StudentOut](items=[student_out(s) for s in rows], next_cursor=next_cursor)


def school_student(session: Session, school_id: int, student_id: int) -> Student:
    return owned(session, Student, student_id, school_id, "student")


@router.get("/students/{student_id}", response_model=StudentOut, response_model_by_alias=True)
def get_student(student_id: Id, caller: Reader, session: SessionDep) -> StudentOut:
    return student_out(school_student(session, caller.school_id, student_id))
