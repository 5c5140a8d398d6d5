"""Attendance: one row per student per school day, and a term's summary for parents."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, bindparam, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.bulk import insert_or_fetch
from ledger.db import Base, read_rows
from ledger.errors import LedgerError
from ledger.records.refs import student_ref
from ledger.records.tables import Student, Term, _enum
from ledger.types import AttendanceSummary, StudentRef

NOTE_LENGTH = 200


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"
    EXCUSED = "excused"


class AttendanceRecord(Base):
    __tablename__ = "attendance"
    __table_args__ = (
        # The unique constraint is also the (student_id, on) index that every per-student read uses.
        UniqueConstraint("student_id", "on"),
        # "Who was absent today?" across a school, for same-day alerts to parents.
        Index("ix_attendance_school_id_on", "school_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))


def record_attendance(
    session: Session,
    student: Student,
    on: dt.date,
    status: AttendanceStatus,
    note: str | None = None,
) -> bool:
    """Set the student's attendance for a day; a second call for the day replaces the first.

    Returns True if anything changed; recording the same status and note again returns False.
    """
    note = _clean_note(note)
    values = {
        "school_id": student.school_id,
        "student_id": student.id,
        "on": on,
        "status": status,
        "note": note,
    }
    # When another writer recorded the day between our read and our insert, theirs is updated instead.
    row, created = insert_or_fetch(session, AttendanceRecord, values, lambda: _find(session, student.id, on))
    if created:
        return True
    if (row.status, row.note) == (status, note):
        return False
    row.status, row.note = status, note
    session.flush()
    return True


def attendance_summary(
    session: Session, student: Student, term: Term, *, recent: int = 5
) -> AttendanceSummary:
    """The student's attendance within the term's dates; lateness counts as present.

    ``recent_absences`` lists at most ``recent`` absence dates, newest first (excused days are not absences).
    """
    return attendance_of(session, student_ref(session, student), term, recent=recent)


def attendance_of(session: Session, child: StudentRef, term: Term, *, recent: int = 5) -> AttendanceSummary:
    """``attendance_summary`` for a student already read as a reference (a parent's phone reads it so)."""
    in_term = {"student_id": child.id, "starts_on": term.starts_on, "ends_on": term.ends_on}
    counts = {AttendanceStatus(status): n for status, n in read_rows(session, COUNTS, in_term)}
    late = counts.get(AttendanceStatus.LATE, 0)
    absences = read_rows(session, RECENT_ABSENCES, {**in_term, "limit": max(recent, 0)}).scalars()
    return AttendanceSummary(
        student=child,
        term=term.code,
        days_recorded=sum(counts.values()),
        present=counts.get(AttendanceStatus.PRESENT, 0) + late,
        absent=counts.get(AttendanceStatus.ABSENT, 0),
        late=late,
        excused=counts.get(AttendanceStatus.EXCUSED, 0),
        recent_absences=tuple(absences),
    )


# A term's days of one student (``:student_id``, ``:starts_on`` to ``:ends_on``), built once.
_IN_TERM = (
    AttendanceRecord.student_id == bindparam("student_id"),
    AttendanceRecord.on.between(bindparam("starts_on"), bindparam("ends_on")),
)
COUNTS = select(AttendanceRecord.status, func.count()).where(*_IN_TERM).group_by(AttendanceRecord.status)
RECENT_ABSENCES = (
    select(AttendanceRecord.on)
    .where(*_IN_TERM, AttendanceRecord.status == AttendanceStatus.ABSENT)
    .order_by(AttendanceRecord.on.desc())
    .limit(bindparam("limit"))
)


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        # Refused rather than cut, so an import reports the row instead of losing the end of the note.
        raise LedgerError(f"an attendance note is at most {NOTE_LENGTH} characters")
    return note or None


def _find(session: Session, student_id: int, on: dt.date) -> AttendanceRecord | None:
    query = select(AttendanceRecord).where(
        AttendanceRecord.student_id == student_id, AttendanceRecord.on == on
    )
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()
