"""Turning ledger rows into the frozen references (``ledger.types``) that the rest of Karo reads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.records.tables import SchoolClass, Student
from ledger.types import StudentRef


def student_ref(session: Session, student: Student) -> StudentRef:
    """The student as flows and messages see them: ids, admission number, name and class name."""
    # session.get answers from the identity map when the class is loaded already: no extra query.
    school_class = session.get(SchoolClass, student.class_id)
    return StudentRef(
        id=student.id,
        school_id=student.school_id,
        admission_no=student.admission_no,
        name=student.name,
        class_name=school_class.name if school_class is not None else "",
        left=not student.active,
    )
