"""The register changed by hand, one student at a time (the dashboard's forms), under the students file's
rules: a typed student is checked by the students import's own ``check``, so a form and a CSV row accept
and refuse exactly the same things. The CSV stays the bulk door; guardians are ``guardian_edits``.

Writes go into the caller's session; the caller audits (``register_snapshot`` is the before and after)
and commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.imports.core import BadRow, ImportScope, Row
from ledger.imports.fields import text_value
from ledger.imports.lookups import classes_by_name
from ledger.imports.register import GuardianPlan
from ledger.imports.students import StudentsImport
from ledger.records.parents import find_guardian
from ledger.records.tables import Channel, Guardian, Language, School, SchoolClass, Student, StudentGuardian

# The students file's columns, which the add-a-student form's fields are named after.
COLUMNS = StudentsImport.required + StudentsImport.optional


class RegisterRefused(LedgerError):
    """A change to the register that its rules refuse; ``field`` is the form field (a students-file
    column) it is about, or "" for the form as a whole."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def refused(bad: BadRow, fallback: str = "") -> RegisterRefused:
    """A students-file row's reason as a form's: ``guardian_phone: '12' is not...`` is about that field."""
    message = str(bad).replace(" on line 1,", ",")  # a form is the file's only row: no line to name
    field = next((c for c in sorted(COLUMNS, key=len, reverse=True) if message.startswith(c)), fallback)
    if message.startswith(f"{field}: "):
        message = message.removeprefix(f"{field}: ")
    return RegisterRefused(field, message[:1].upper() + message[1:])


@dataclass(frozen=True)
class AddedStudent:
    student: Student
    linked: tuple[str, ...]  # names of guardians already on record whom the new student was linked to


def add_student(session: Session, school: School, typed: dict[str, str], *, today: dt.date) -> AddedStudent:
    """A new student from the form's fields (named as the students file's columns), with their class
    (an existing one, matched ignoring case, or a new one) and one or two guardians. A phone already of a
    guardian of this school links that guardian, as the file does. Raises RegisterRefused."""
    importer = StudentsImport(ImportScope(session, school, "", today))
    try:
        plan = importer.check(Row(1, {column: typed.get(column, "") for column in COLUMNS}))
    except BadRow as bad:
        raise refused(bad) from None
    _refuse_taken(session, school.id, plan.key)
    student = Student(
        school_id=school.id,
        admission_no=plan.admission_no,
        admission_key=plan.key,
        name=plan.name,
        class_id=class_named(session, school.id, plan.class_name).id,
        active=True,
    )
    session.add(student)
    session.flush()
    linked = [link_guardian(session, student, guardian, plan.language) for guardian in plan.guardians]
    return AddedStudent(student, tuple(name for name in linked if name is not None))


def _refuse_taken(session: Session, school_id: int, key: str) -> None:
    """Admission numbers are one per school by their key: ``KJA/001`` is taken by ``kja-001``."""
    holder = session.scalars(
        select(Student).where(Student.school_id == school_id, Student.admission_key == key)
    ).first()
    if holder is not None:
        left = "" if holder.active else " (who has left)"
        raise RegisterRefused(
            "admission_no", f"Admission number {holder.admission_no} is already {holder.name}'s{left}."
        )


def class_named(session: Session, school_id: int, name: str) -> SchoolClass:
    """The school's class of this name (ignoring case), or a new one under this spelling."""
    found = classes_by_name(session, school_id).get(name.casefold())
    if found is None:
        found = SchoolClass(school_id=school_id, name=name)
        session.add(found)
        session.flush()
    return found


def link_guardian(
    session: Session, student: Student, typed: GuardianPlan, language: Language | None
) -> str | None:
    """Link the guardian with this phone (made if new) to the student; their name if already on record.

    A language given is set on the guardian, new or not, as the students file sets it."""
    guardian = find_guardian(session, typed.phone, student.school_id)
    known = guardian is not None
    if guardian is None:
        school = session.get_one(School, student.school_id)
        guardian = Guardian(
            school_id=student.school_id,
            phone=typed.phone,
            name=typed.name,
            language=school.default_language,
            preferred_channel=Channel.SMS,
            opted_out=[],
        )
        session.add(guardian)
    if language is not None:
        guardian.language = language
    session.flush()
    session.add(StudentGuardian(student_id=student.id, guardian_id=guardian.id))
    session.flush()
    return guardian.name if known else None


def change_student(session: Session, student: Student, *, name: str, class_name: str) -> bool:
    """A new name or class (existing or new) for the student; whether anything changed.

    Fees already invoiced stay as they were: a class change moves no money by itself."""
    try:
        tidy_name = text_value(name, "name", 120)
        tidy_class = text_value(class_name, "class", 40)
    except BadRow as bad:
        raise refused(bad) from None
    school_class = class_named(session, student.school_id, tidy_class)
    changed = (student.name, student.class_id) != (tidy_name, school_class.id)
    student.name, student.class_id = tidy_name, school_class.id
    session.flush()
    return changed


def register_snapshot(session: Session, student: Student) -> dict[str, Any]:
    """The student as the audit log keeps them: admission number, name, class, guardians."""
    school_class = session.get_one(SchoolClass, student.class_id)
    guardians = session.scalars(
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == student.id)
        .order_by(Guardian.id)
    )
    return {
        "admission_no": student.admission_no,
        "name": student.name,
        "class": school_class.name,
        "guardians": [guardian_snapshot(g) for g in guardians],
    }


def guardian_snapshot(guardian: Guardian) -> dict[str, Any]:
    return {
        "id": guardian.id,
        "name": guardian.name,
        "phone": guardian.phone,
        "language": guardian.language.value,
        "channel": guardian.preferred_channel.value,
        "email": guardian.email,
    }
