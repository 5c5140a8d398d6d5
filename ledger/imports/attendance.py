"""Attendance registers: one status per student per school day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import date_value
from ledger.imports.lookups import known_student, students_by_key
from ledger.records.attendance import NOTE_LENGTH, AttendanceRecord, AttendanceStatus, record_attendance
from ledger.records.tables import Student

# Registers are often marked with initials, so P, A, L and E are read as the full word.
_STATUSES = {status.value: status for status in AttendanceStatus} | {
    status.value[0]: status for status in AttendanceStatus
}


@dataclass(frozen=True)
class AttendancePlan:
    student: Student
    on: dt.date
    status: AttendanceStatus
    note: str | None


class AttendanceImport(Importer[AttendancePlan]):
    """Sets each row's day for its student; a day already recorded is replaced by the file's status."""

    required = ("admission_no", "date", "status")
    optional = ("note",)

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        self.lines_by_day: dict[tuple[int, dt.date], int] = {}

    def check(self, row: Row) -> AttendancePlan:
        student = known_student(row, self.students)
        on = date_value(row.get("date"))
        if on > self.ctx.today:
            raise BadRow(f"date {on.isoformat()} is in the future")
        status = _STATUSES.get(row.get("status").casefold())
        if status is None:
            raise BadRow(f"status {row.get('status')!r} is not known; use present, absent, late or excused")
        note = " ".join(row.get("note").split()) or None
        if note is not None and len(note) > NOTE_LENGTH:
            raise BadRow(f"note is longer than {NOTE_LENGTH} characters")
        earlier = self.lines_by_day.setdefault((student.id, on), row.line)
        if earlier != row.line:
            raise BadRow(f"{student.admission_no} on {on.isoformat()} is also on line {earlier}")
        return AttendancePlan(student, on, status, note)

    def apply(self, plan: AttendancePlan) -> RowChange:
        existed = self.ctx.session.scalar(
            select(AttendanceRecord.id).where(
                AttendanceRecord.student_id == plan.student.id, AttendanceRecord.on == plan.on
            )
        )
        if not record_attendance(self.ctx.session, plan.student, plan.on, plan.status, plan.note):
            return RowChange.UNCHANGED
        return RowChange.UPDATED if existed is not None else RowChange.CREATED
