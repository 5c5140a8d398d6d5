"""A child's attendance: the days recorded (newest first), a term's summary, and one day."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from bot.api.pages import Page, decode_cursor, encode_cursor
from bot.api.parent.deps import Cursor, Db, Id, Limit, Phone, own_child
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.channels.directory import NairobiClock
from ledger.records.attendance import AttendanceRecord, attendance_summary
from ledger.records.tables import Term
from ledger.records.terms import current_term

router = APIRouter(
    prefix="/parent/children/{child_id}/attendance", tags=["parent: attendance"], responses=PROBLEM_RESPONSES
)


class Day(BaseModel):
    on: dt.date
    status: str  # present, absent, late, excused
    note: str | None


class AttendanceSummaryOut(BaseModel):
    term: str
    days_recorded: int
    present: int  # late counts as present
    absent: int
    late: int
    excused: int
    rate: float  # percent present
    recent_absences: list[dt.date]


@router.get("", response_model=Page[Day])
def days(child_id: Id, phone: Phone, session: Db, cursor: Cursor = None, limit: Limit = 50) -> Page[Day]:
    child = own_child(session, phone, child_id)
    query = (
        select(AttendanceRecord)
        .where(AttendanceRecord.student_id == child.id)
        .order_by(AttendanceRecord.on.desc())
        .limit(limit + 1)
    )
    if (key := decode_cursor(cursor)) is not None:
        query = query.where(AttendanceRecord.on < _day(key))
    rows = list(session.scalars(query))
    page = [Day(on=r.on, status=r.status.value, note=r.note) for r in rows[:limit]]
    more = len(rows) > limit
    return Page[Day](items=page, next_cursor=encode_cursor([page[-1].on.isoformat()]) if more else None)


def _day(key: list[object]) -> dt.date:
    try:
        (on,) = key
        return dt.date.fromisoformat(str(on))
    except ValueError:
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.") from None


@router.get("/summary", response_model=AttendanceSummaryOut)
def summary(
    child_id: Id,
    phone: Phone,
    session: Db,
    term: str | None = Query(
        None, pattern=r"^[0-9]{4}-[1-3]$", description="YEAR-N; the current term if left out"
    ),
) -> AttendanceSummaryOut:
    child = own_child(session, phone, child_id)
    found = _term(session, child.school_id, term)
    if found is None:
        raise Problem(
            404, "Not found", "No such term at this child's school." if term else "No term is running now."
        )
    s = attendance_summary(session, child, found)
    return AttendanceSummaryOut(
        term=s.term,
        days_recorded=s.days_recorded,
        present=s.present,
        absent=s.absent,
        late=s.late,
        excused=s.excused,
        rate=s.percent_present,
        recent_absences=list(s.recent_absences),
    )


def _term(session: Db, school_id: int, code: str | None) -> Term | None:
    if code is None:
        return current_term(session, school_id, NairobiClock().today())
    year, number = (int(part) for part in code.split("-"))
    return session.scalars(
        select(Term).where(Term.school_id == school_id, Term.year == year, Term.number == number)
    ).one_or_none()


@router.get("/{on}", response_model=Day)
def day(child_id: Id, on: dt.date, phone: Phone, session: Db) -> Day:
    child = own_child(session, phone, child_id)
    row = session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.student_id == child.id, AttendanceRecord.on == on)
    ).one_or_none()
    if row is None:
        raise Problem(404, "Not found", f"No attendance recorded on {on.isoformat()}.")
    return Day(on=row.on, status=row.status.value, note=row.note)
