"""The school's existing records, loaded once per import and looked up by what a file names them by."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.imports.core import BadRow, Row
from ledger.imports.fields import admission_key, text_value
from ledger.records.tables import SchoolClass, Student


def students_by_key(session: Session, school_id: int) -> dict[str, Student]:
    return {
        s.admission_key: s for s in session.scalars(select(Student).where(Student.school_id == school_id))
    }


def classes_by_name(session: Session, school_id: int) -> dict[str, SchoolClass]:
    """Classes keyed by case-folded name, so "form 1" in a file finds "Form 1"."""
    classes = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))
    return {c.name.casefold(): c for c in classes}


def known_student(row: Row, students: dict[str, Student]) -> Student:
    """The student a row's admission_no names, or a bad row."""
    admission_no = text_value(row.get("admission_no"), "admission_no", 20)
    student = students.get(admission_key(admission_no))
    if student is None:
        raise BadRow(f"unknown admission number {admission_no}; import the student first or fix the number")
    return student
