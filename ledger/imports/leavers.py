"""Leavers: the students who left, with the day and why (transferred, graduated, withdrawn, other)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledger.billing.leaving import leave_school
from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import date_value
from ledger.imports.lookups import known_student, students_by_key
from ledger.records.leavers import LeaveReason, LeaveRefused, parse_reason
from ledger.records.tables import Student


@dataclass(frozen=True)
class LeaverPlan:
    student: Student
    on: dt.date
    reason: LeaveReason


class LeaversImport(Importer[LeaverPlan]):
    """Marks each row's student as left; a student already left on that day for that reason is unchanged,
    another day or reason corrects the record."""

    required = ("admission_no", "date", "reason")

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        self.lines_by_student: dict[int, int] = {}

    def check(self, row: Row) -> LeaverPlan:
        student = known_student(row, self.students)
        earlier = self.lines_by_student.setdefault(student.id, row.line)
        if earlier != row.line:
            raise BadRow(f"admission number {student.admission_no} is also on line {earlier}")
        on = date_value(row.get("date"))
        if on > self.ctx.today:
            raise BadRow(f"date {on.isoformat()} is in the future")
        try:
            reason = parse_reason(row.get("reason"))
        except LeaveRefused as bad:
            raise BadRow(str(bad)) from None
        return LeaverPlan(student, on, reason)

    def apply(self, plan: LeaverPlan) -> RowChange:
        was_active = plan.student.active
        if not leave_school(
            self.ctx.session, plan.student, plan.on, plan.reason, today=self.ctx.today, actor=self.ctx.actor
        ):
            return RowChange.UNCHANGED
        return RowChange.CREATED if was_active else RowChange.UPDATED
