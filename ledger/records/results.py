"""Exam results: exams per term, subject scores, and the summary a parent reads (grades, mean grade)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Row,
    Select,
    String,
    UniqueConstraint,
    bindparam,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.bulk import insert_or_fetch
from ledger.db import Base, read_rows
from ledger.errors import InvalidScore, LedgerError
from ledger.records.grading import Scale, band_named, grade_for, load_scale, mean_grade
from ledger.records.refs import student_ref
from ledger.records.tables import Student, Term, term_code
from ledger.types import ExamSummary, StudentRef, SubjectScore

# KCSE's mean grade counts a candidate's best seven subjects.
BEST_OF = 7


class Exam(Base):
    __tablename__ = "exams"
    __table_args__ = (UniqueConstraint("school_id", "term_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    scale_name: Mapped[str] = mapped_column(String(40), default="8-4-4")
    sat_on: Mapped[dt.date | None] = mapped_column(Date)


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("exam_id", "student_id", "subject"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    subject: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    # The grade the school gave, when it gave one; otherwise the exam's scale grades the score.
    grade: Mapped[str | None] = mapped_column(String(4))


def get_or_create_exam(
    session: Session, school_id: int, term: Term, name: str, scale_name: str = "8-4-4"
) -> Exam:
    """The school's exam of this name in the term, created on first use. An existing exam keeps its scale.

    Raises NotFound for a scale the school does not have.
    """
    name = _clean(name, "exam name", 60)
    if term.school_id != school_id:
        raise LedgerError("that term is not in this school")
    load_scale(session, school_id, scale_name)
    values = {"school_id": school_id, "term_id": term.id, "name": name, "scale_name": scale_name}
    exam, _ = insert_or_fetch(session, Exam, values, lambda: _find_exam(session, school_id, term.id, name))
    return exam


def record_score(
    session: Session, exam: Exam, student: Student, subject: str, score: int, grade: str | None = None
) -> bool:
    """Set the student's score (and any school-given grade) in one subject of the exam.

    Returns True if anything changed; recording the same again returns False.
    Raises InvalidScore for a score outside 0..100.
    """
    if not 0 <= score <= 100:
        raise InvalidScore(f"a score must be between 0 and 100, not {score}")
    if student.school_id != exam.school_id:
        raise LedgerError("that student is not in this exam's school")
    subject = _clean(subject, "subject", 40)
    grade = _clean(grade, "grade", 4).upper() if grade and grade.strip() else None
    values = {
        "exam_id": exam.id,
        "student_id": student.id,
        "subject": subject,
        "score": score,
        "grade": grade,
    }
    row, created = insert_or_fetch(
        session, Score, values, lambda: _find_score(session, exam.id, student.id, subject)
    )
    if created:
        return True
    if (row.score, row.grade) == (score, grade):
        return False
    row.score, row.grade = score, grade
    session.flush()
    return True


# A parent's results, built once and read as Core rows: the latest exams the student sat (with their
# term's code), then all of the student's scores in them in one statement.
def _latest_sat(*columns: Any) -> Select[Any]:
    """The exams ``:student_id`` has scores in, newest first (by term, then by when the exam was created),
    at most ``:limit``."""
    return (
        select(*columns)
        .join(Term, Term.id == Exam.term_id)
        .where(Exam.id.in_(select(Score.exam_id).where(Score.student_id == bindparam("student_id"))))
        .order_by(Term.year.desc(), Term.number.desc(), Exam.id.desc())
        .limit(bindparam("limit"))
    )


LATEST_SAT = _latest_sat(Exam.id, Exam.name, Exam.school_id, Exam.scale_name, Term.year, Term.number)
LATEST_EXAMS = _latest_sat(Exam)
SCORES_IN = select(Score.exam_id, Score.subject, Score.score, Score.grade).where(
    Score.student_id == bindparam("student_id"), Score.exam_id.in_(bindparam("exam_ids", expanding=True))
)
TERM_OF = select(Term.year, Term.number).where(Term.id == bindparam("term_id"))


def exam_summary(session: Session, exam: Exam, student: Student) -> ExamSummary | None:
    """The student's results in the exam, or None when they have no scores in it.

    Subjects come sorted by name, each graded as the school gave it or else by the exam's scale.
    The mean grade is KCSE-style: the mean of subject points, over the best 7 subjects when more than 7
    were sat (KNEC also requires English, Kiswahili and Maths among the seven; that rule is not applied).
    The mean score is over every subject, to 1 decimal. Strongest and weakest go by score, ties by name.
    """
    scores = _scores(session, student.id, [exam.id]).get(exam.id)
    if not scores:
        return None
    term = term_code(*read_rows(session, TERM_OF, {"term_id": exam.term_id}).one())
    scale = load_scale(session, exam.school_id, exam.scale_name)
    return _summary(student_ref(session, student), exam.name, term, scale, scores)


def latest_summaries(session: Session, child: StudentRef, limit: int = 3) -> list[ExamSummary]:
    """``exam_summary`` of each of ``latest_exams``, for a student already read as a reference (a parent's
    phone reads them so): three statements, and one per grading scale, whatever the number of exams."""
    exams = read_rows(session, LATEST_SAT, {"student_id": child.id, "limit": limit}).all()
    scores = _scores(session, child.id, [exam[0] for exam in exams])
    scales: dict[tuple[int, str], Scale] = {}
    summaries = []
    for exam_id, name, school_id, scale_name, year, number in exams:
        if exam_id not in scores:
            continue
        if (school_id, scale_name) not in scales:
            scales[(school_id, scale_name)] = load_scale(session, school_id, scale_name)
        scale = scales[(school_id, scale_name)]
        summaries.append(_summary(child, name, term_code(year, number), scale, scores[exam_id]))
    return summaries


def _scores(session: Session, student_id: int, exam_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """The student's scores (subject, score, grade) per exam."""
    found: dict[int, list[Row[Any]]] = defaultdict(list)
    if exam_ids:
        for row in read_rows(session, SCORES_IN, {"student_id": student_id, "exam_ids": exam_ids}):
            found[row.exam_id].append(row)
    return found


def _summary(child: StudentRef, exam: str, term: str, scale: Scale, rows: list[Row[Any]]) -> ExamSummary:
    subjects = sorted((_subject_score(scale, row) for row in rows), key=_by_name)
    several = len(subjects) > 1  # with one subject there is nothing to compare: name neither
    return ExamSummary(
        student=child,
        exam=exam,
        term=term,
        subjects=tuple(subjects),
        mean_score=_mean_score(subjects),
        mean_grade=_mean_grade(scale, subjects),
        strongest=min(subjects, key=lambda s: (-s.score, *_by_name(s))).subject if several else None,
        weakest=min(subjects, key=lambda s: (s.score, *_by_name(s))).subject if several else None,
    )


def latest_exams(session: Session, student: Student, limit: int = 3) -> list[Exam]:
    """The exams the student has scores in, newest first (by term, then by when the exam was created)."""
    return list(session.scalars(LATEST_EXAMS, {"student_id": student.id, "limit": limit}))


def _subject_score(scale: Scale, row: Row[Any]) -> SubjectScore:
    if row.grade is None:
        band = grade_for(scale, row.score)
        return SubjectScore(row.subject, row.score, band.grade, band.points)
    # A school-given grade stands; it earns points only if the scale knows it (not, say, "X" for absent).
    given = band_named(scale, row.grade)
    return SubjectScore(row.subject, row.score, row.grade, given.points if given else None)


def _by_name(subject: SubjectScore) -> tuple[str, str]:
    # Sorted here, not in SQL, so PostgreSQL's locale collation and SQLite's byte order agree.
    return subject.subject.casefold(), subject.subject


def _mean_score(subjects: Sequence[SubjectScore]) -> float:
    # Decimal rounding half up, so 62.25 shows as 62.3 the way a teacher would round it.
    mean = Decimal(sum(s.score for s in subjects)) / len(subjects)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean_grade(scale: Scale, subjects: Sequence[SubjectScore]) -> str:
    points = sorted((s.points for s in subjects if s.points is not None), reverse=True)[:BEST_OF]
    if not points:
        # Only grades the scale does not know: grade the mean score instead of showing nothing.
        return grade_for(scale, round(_mean_score(subjects))).grade
    return mean_grade(scale, points)


def _clean(text: str | None, what: str, length: int) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise LedgerError(f"the {what} is missing")
    if len(cleaned) > length:
        raise LedgerError(f"the {what} is at most {length} characters")
    return cleaned


def _find_exam(session: Session, school_id: int, term_id: int, name: str) -> Exam | None:
    query = select(Exam).where(Exam.school_id == school_id, Exam.term_id == term_id, Exam.name == name)
    return session.scalars(query).one_or_none()


def _find_score(session: Session, exam_id: int, student_id: int, subject: str) -> Score | None:
    query = select(Score).where(
        Score.exam_id == exam_id, Score.student_id == student_id, Score.subject == subject
    )
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()
