"""What the student page shows of the register's forms: the student's guardians with their ids, how many
children each has here, the school's classes, and the last form's outcome (a notice or an inline error)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import Can, Staff
from ledger.imports.guardian_edits import MAX_GUARDIANS
from ledger.records.tables import Guardian, SchoolClass, Student, StudentGuardian

# What a finished form says at the top of the student page (``?register=<key>``).
DONE = {
    "added": "Student added. Their guardians can dial the school's code or text it at once.",
    "invoiced": "Student added and invoiced for the current term; the family is told the fees.",
    "edited": "Name and class saved. Fees already invoiced stay as they were.",
    "guardian": "Guardian added. Their phone reaches this student from now on.",
    "phone": "Phone changed. The old number no longer reaches this student; the new one does.",
    "preferences": "Language, channel and email saved.",
    "removed": "Guardian removed. Their phone no longer reaches this student.",
}


@dataclass(frozen=True)
class GuardianRow:
    id: int
    name: str
    phone: str
    language: str
    channel: str
    stopped: tuple[str, ...]
    children: int  # this guardian's children in the school, all of whom follow a phone change
    email: str | None = None
    email_bounced: bool = False  # mail to the address was refused: messages go by SMS until it changes


@dataclass
class FormError:
    """An inline error: which form (``edit``, ``add``, ``phone-<id>``, ``prefs-<id>``, ``remove-<id>``),
    which field of it, the words, and what was typed, shown again."""

    form: str
    field: str
    message: str
    typed: dict[str, str] = dataclasses.field(default_factory=dict)


def guardian_rows(session: Session, student: Student) -> list[GuardianRow]:
    theirs = aliased(StudentGuardian)  # every link of the guardian, not only this student's
    children = select(func.count()).select_from(theirs).where(theirs.guardian_id == Guardian.id)
    children = children.correlate(Guardian)
    query = (
        select(Guardian, children.scalar_subquery())
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == student.id, Guardian.school_id == student.school_id)
        .order_by(Guardian.name, Guardian.id)
    )
    return [
        GuardianRow(
            g.id,
            g.name,
            g.phone,
            g.language.value,
            g.preferred_channel.value,
            tuple(g.opted_out or ()),
            n,
            email=g.email,
            email_bounced=g.email_bounced_at is not None,
        )
        for g, n in session.execute(query)
    ]


def class_names(session: Session, school_id: int) -> list[str]:
    query = select(SchoolClass.name).where(SchoolClass.school_id == school_id).order_by(SchoolClass.name)
    return list(session.scalars(query))


def register_context(
    session: Session, staff: Staff, student: Student, done: str | None = None, error: FormError | None = None
) -> dict[str, Any]:
    """The ``register`` key of the student page's context."""
    guardians = guardian_rows(session, student)
    return {
        "can_edit": staff.can(Can.RECORDS),
        "guardians": guardians,
        "room_for_guardian": len(guardians) < MAX_GUARDIANS,
        "classes": class_names(session, staff.school_id),
        "done": DONE.get(done or ""),
        "error": error,
    }
