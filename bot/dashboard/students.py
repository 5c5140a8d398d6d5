"""The students list: search by name, admission number or a guardian's phone; filter by class, balance and
aging bucket; paged."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TypeVarTuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.dashboard.access import StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.overview import AGING_LABELS
from bot.dashboard.rendering import render
from bot.routes.deps import SessionDep
from ledger.admission import admission_key
from ledger.books.reports import arrears
from ledger.books.tables import Account
from ledger.clock import school_day
from ledger.records.tables import Guardian, SchoolClass, Student, StudentGuardian

router = APIRouter()

PAGE_SIZE = 25
BALANCES = {"owing": "Owing", "credit": "In credit", "clear": "Nothing owed"}

Row = TypeVarTuple("Row")  # a query's column types, kept through the helpers that refine it


@dataclass(frozen=True)
class StudentFilter:
    q: str = ""
    class_id: int | None = None
    balance: str = ""  # a key of BALANCES, or "" for any
    aging: int | None = None  # index into AGING_LABELS: owes something in that bucket


@dataclass(frozen=True)
class StudentRow:
    id: int
    admission_no: str
    name: str
    class_name: str
    balance: int
    active: bool = True  # False: a leaver, found by a search


@dataclass(frozen=True)
class StudentPage:
    rows: list[StudentRow]
    total: int
    page: int
    pages: int


def phone_digits(text: str) -> str | None:
    """A search that looks like a phone, as digits comparable with stored E.164 (0712... -> 254712...)."""
    digits = re.sub(r"[\s+()-]", "", text)
    if len(digits) < 4 or not digits.isdigit():
        return None
    return "254" + digits[1:] if digits.startswith("0") else digits


def _searched(query: Select[*Row], school_id: int, text: str) -> Select[*Row]:
    # Bound parameters with LIKE's own wildcards escaped: a search for "%" or "'; DROP" is just text.
    needle = text.strip().lower()
    matches = [
        func.lower(Student.name).contains(needle, autoescape=True),
        func.lower(Student.admission_no).contains(needle, autoescape=True),
    ]
    key = admission_key(text)
    if key:  # "kja 2024-001" finds KJA/2024/001, as Paybill would
        matches.append(Student.admission_key.contains(key, autoescape=True))
    digits = phone_digits(needle)
    if digits is not None:
        phones = (
            select(StudentGuardian.student_id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.school_id == school_id, Guardian.phone.contains(digits, autoescape=True))
        )
        matches.append(Student.id.in_(phones))
    return query.where(or_(*matches))


def _in_bucket(session: Session, school_id: int, bucket: int, today: dt.date) -> list[int]:
    return [
        row.student.id
        for row in arrears(session, school_id, as_of=today)
        if (*row.buckets, row.not_yet_due)[bucket] > 0
    ]


def find_students(
    session: Session, school_id: int, chosen: StudentFilter, page: int, today: dt.date
) -> StudentPage:
    balance = func.coalesce(
        select(func.sum(Account.balance)).where(Account.student_id == Student.id).scalar_subquery(), 0
    )
    query = (
        select(Student.id, Student.admission_no, Student.name, SchoolClass.name, balance, Student.active)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school_id)
    )
    if chosen.q.strip():  # a search finds leavers too (to read, re-admit, refund); the list: those at school
        query = _searched(query, school_id, chosen.q)
    else:
        query = query.where(Student.active.is_(True))
    if chosen.class_id is not None:
        query = query.where(Student.class_id == chosen.class_id)
    if chosen.balance == "owing":
        query = query.where(balance > 0)
    elif chosen.balance == "credit":
        query = query.where(balance < 0)
    elif chosen.balance == "clear":
        query = query.where(balance == 0)
    if chosen.aging is not None:
        query = query.where(Student.id.in_(_in_bucket(session, school_id, chosen.aging, today)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    ordered = query.order_by(Student.name, Student.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = [StudentRow(*row) for row in session.execute(ordered)]
    return StudentPage(rows, total, page, pages)


def school_classes(session: Session, school_id: int) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school_id).order_by(SchoolClass.name)
    return list(session.scalars(query))


@router.get("/dashboard/students")
def students_page(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    q: str = Query("", max_length=100),
    class_id: str = "",
    balance: str = "",
    aging: str = "",
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    # Filters arrive as text (an empty select sends ""): anything unexpected means "any".
    chosen = StudentFilter(
        q=q,
        class_id=int(class_id) if class_id.isdigit() else None,
        balance=balance if balance in BALANCES else "",
        aging=int(aging) if aging.isdigit() and int(aging) < len(AGING_LABELS) else None,
    )
    today = school_day(config_of(request).clock())
    found = find_students(session, staff.school_id, chosen, page, today)
    context = {
        "staff": staff,
        "page": "students",
        "filter": chosen,
        "found": found,
        "classes": school_classes(session, staff.school_id),
        "balances": BALANCES,
        "aging_labels": AGING_LABELS,
    }
    template = "_students_table.html" if request.headers.get("HX-Target") == "results" else "students.html"
    return render(request, template, context)
