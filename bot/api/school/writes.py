"""Bulk writes from a school's own system: students and their guardians by admission number, a day's
attendance register, an exam's scores."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bot.api.problems import PROBLEM_RESPONSES
from bot.api.school.auth import Writer
from bot.api.school.bulk import write_items
from bot.api.school.models import WriteReport
from bot.routes.deps import SessionDep

router = APIRouter(tags=["writes"], responses=PROBLEM_RESPONSES)
MAX_ITEMS = 5000


class GuardianIn(BaseModel):
    name: str = Field(max_length=120)
    phone: str = Field(max_length=30, description="Any Kenyan form: 0712..., +254712..., 254712...")


class StudentIn(BaseModel):
    admission_no: str = Field(max_length=20)
    name: str = Field(max_length=120)
    class_name: str = Field(alias="class", max_length=40)
    guardians: list[GuardianIn] = Field(min_length=1, max_length=2)
    language: Literal["en", "sw"] | None = None


class StudentsIn(BaseModel):
    students: list[StudentIn] = Field(min_length=1, max_length=MAX_ITEMS)


class MarkIn(BaseModel):
    admission_no: str = Field(max_length=20)
    status: str = Field(max_length=10, description="present, absent, late or excused (or P, A, L, E)")
    note: str | None = Field(default=None, max_length=200)


class RegisterIn(BaseModel):
    date: dt.date
    marks: list[MarkIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ScoreIn(BaseModel):
    admission_no: str = Field(max_length=20)
    subject: str = Field(max_length=40)
    score: int
    grade: str | None = Field(default=None, max_length=4)


class ExamIn(BaseModel):
    exam: str = Field(max_length=60)
    scores: list[ScoreIn] = Field(min_length=1, max_length=MAX_ITEMS)


@router.put("/students", response_model=WriteReport)
def upsert_students(body: StudentsIn, caller: Writer, session: SessionDep) -> WriteReport:
    """Create or update students and their guardians by admission number, checked as the students CSV
    import checks them (classes are made on first use; the guardians listed become the student's own)."""
    header = ("admission_no", "name", "class", "guardian_name", "guardian_phone")
    header2 = header + ("guardian2_name", "guardian2_phone", "language")
    rows = []
    for item in body.students:
        second = item.guardians[1] if len(item.guardians) > 1 else None
        rows.append(
            (item.admission_no, item.name, item.class_name, item.guardians[0].name, item.guardians[0].phone)
            + (second.name if second else None, second.phone if second else None, item.language)
        )
    return write_items(session, caller, "students", header2, rows, items="students")


@router.put("/attendance", response_model=WriteReport)
def write_register(body: RegisterIn, caller: Writer, session: SessionDep) -> WriteReport:
    """A day's register: each student's status that day (a day already marked is replaced)."""
    rows = [(m.admission_no, body.date.isoformat(), m.status, m.note) for m in body.marks]
    return write_items(
        session, caller, "attendance", ("admission_no", "date", "status", "note"), rows, items="marks"
    )


@router.put("/results", response_model=WriteReport)
def write_exam(body: ExamIn, caller: Writer, session: SessionDep) -> WriteReport:
    """An exam's subject scores (0..100) in the current term; a score already there is replaced."""
    rows = [(s.admission_no, body.exam, s.subject, s.score, s.grade) for s in body.scores]
    header = ("admission_no", "exam", "subject", "score", "grade")
    return write_items(session, caller, "results", header, rows, items="scores")
