"""Exam results: one subject score per row, in an exam of the current term."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import text_value
from ledger.imports.lookups import known_student, students_by_key
from ledger.records.results import Exam, Score, get_or_create_exam, record_score
from ledger.records.tables import Student, Term
from ledger.records.terms import current_or_new_term


@dataclass(frozen=True)
class ScorePlan:
    student: Student
    exam: str
    subject: str
    score: int
    grade: str | None


class ResultsImport(Importer[ScorePlan]):
    """Sets each row's subject score; exams are made on first use in the term that holds ``today``."""

    required = ("admission_no", "exam", "subject", "score")
    optional = ("grade",)

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        # The first spelling of an exam or subject in the file stands for all its rows, so
        # "Maths" and "maths" do not become two subjects.
        self.spellings: dict[str, str] = {}
        self.lines_by_score: dict[tuple[int, str, str], int] = {}
        self.term: Term | None = None
        self.exams: dict[str, Exam] = {}

    def check(self, row: Row) -> ScorePlan:
        student = known_student(row, self.students)
        exam = self._spelling(text_value(row.get("exam"), "exam", 60))
        subject = self._spelling(text_value(row.get("subject"), "subject", 40))
        score = _score(row.get("score"))
        grade = " ".join(row.get("grade").split()).upper() or None
        if grade is not None and len(grade) > 4:
            raise BadRow(f"grade {grade!r} is longer than 4 characters")
        earlier = self.lines_by_score.setdefault((student.id, exam, subject), row.line)
        if earlier != row.line:
            raise BadRow(f"{student.admission_no}'s {subject} in {exam} is also on line {earlier}")
        return ScorePlan(student, exam, subject, score, grade)

    def _spelling(self, name: str) -> str:
        return self.spellings.setdefault(name.casefold(), name)

    def apply(self, plan: ScorePlan) -> RowChange:
        exam = self._exam(plan.exam)
        existed = self.ctx.session.scalar(
            select(Score.id).where(
                Score.exam_id == exam.id, Score.student_id == plan.student.id, Score.subject == plan.subject
            )
        )
        if not record_score(self.ctx.session, exam, plan.student, plan.subject, plan.score, plan.grade):
            return RowChange.UNCHANGED
        return RowChange.UPDATED if existed is not None else RowChange.CREATED

    def _exam(self, name: str) -> Exam:
        if self.term is None:
            self.term = current_or_new_term(self.ctx.session, self.ctx.school.id, self.ctx.today)
        if name not in self.exams:
            self.exams[name] = get_or_create_exam(self.ctx.session, self.ctx.school.id, self.term, name)
        return self.exams[name]


def _score(text: str) -> int:
    if not text:
        raise BadRow("score is empty")
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise BadRow(f"score {text!r} is not a whole number from 0 to 100")
    # Leading zeros aside, more than three digits cannot be a score; int() of thousands of digits raises.
    digits = text.lstrip("+-").lstrip("0")
    score = int(text) if len(digits) <= 3 else None
    if score is None or not 0 <= score <= 100:
        raise BadRow(f"score {text if len(text) <= 12 else text[:12] + '...'} is outside 0..100")
    return score
