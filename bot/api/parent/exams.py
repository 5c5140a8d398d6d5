"""A child's exams: the list (newest first), the summary (each exam's mean and grade), one exam's subjects."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session

from bot.api.pages import Page
from bot.api.parent.deps import Cursor, Db, Id, Limit, Phone, own_child
from bot.api.parent.paging import in_memory_page
from bot.api.problems import PROBLEM_RESPONSES, Problem
from ledger.records.results import Exam, exam_summary, latest_exams
from ledger.records.tables import Student
from ledger.types import ExamSummary

router = APIRouter(
    prefix="/parent/children/{child_id}/exams", tags=["parent: exams"], responses=PROBLEM_RESPONSES
)
EVERY = 1_000  # more exams than a child sits in their years at a school


class ExamOut(BaseModel):
    id: int
    exam: str
    term: str
    mean_score: float
    mean_grade: str


class Subject(BaseModel):
    subject: str
    score: int
    grade: str
    points: int | None


class ExamDetail(ExamOut):
    subjects: list[Subject]
    strongest: str | None
    weakest: str | None


class ExamsSummary(BaseModel):
    exams: list[ExamOut]  # newest first


def _sat(session: Session, child: Student) -> list[tuple[Exam, ExamSummary]]:
    pairs = ((exam, exam_summary(session, exam, child)) for exam in latest_exams(session, child, limit=EVERY))
    return [(exam, summary) for exam, summary in pairs if summary is not None]


def _out(exam: Exam, s: ExamSummary) -> ExamOut:
    return ExamOut(id=exam.id, exam=s.exam, term=s.term, mean_score=s.mean_score, mean_grade=s.mean_grade)


@router.get("", response_model=Page[ExamOut])
def exams(child_id: Id, phone: Phone, session: Db, cursor: Cursor = None, limit: Limit = 20) -> Page[ExamOut]:
    sat = [_out(exam, s) for exam, s in _sat(session, own_child(session, phone, child_id))]
    return in_memory_page(sat, lambda e: [e.id], cursor, limit)


@router.get("/summary", response_model=ExamsSummary)
def summary(child_id: Id, phone: Phone, session: Db) -> ExamsSummary:
    return ExamsSummary(
        exams=[_out(exam, s) for exam, s in _sat(session, own_child(session, phone, child_id))]
    )


@router.get("/{exam_id}", response_model=ExamDetail)
def exam(child_id: Id, exam_id: Id, phone: Phone, session: Db) -> ExamDetail:
    child = own_child(session, phone, child_id)
    found = session.get(Exam, exam_id)
    s = (
        exam_summary(session, found, child)
        if found is not None and found.school_id == child.school_id
        else None
    )
    if found is None or s is None:
        raise Problem(404, "Not found", f"No results of exam {exam_id} for this child.")
    return ExamDetail(
        **_out(found, s).model_dump(),
        strongest=s.strongest,
        weakest=s.weakest,
        subjects=[
            Subject(subject=x.subject, score=x.score, grade=x.grade, points=x.points) for x in s.subjects
        ],
    )
