"""Exports: the defaulters list and collections by date range and vote head as CSV, for a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import HEADERS, render
from bot.documents.spreadsheets import amount_cell, report_csv, report_xlsx, text_cell
from bot.routes.deps import SessionDep
from ledger.billing.report_kinds import KINDS, build_report
from ledger.books.reports import arrears
from ledger.books.tables import STUDENT_KINDS, Account, Entry, EntryKind, Line
from ledger.clock import school_day
from ledger.records.tables import Guardian, Student, StudentGuardian, VoteHead

router = APIRouter()

RECEIPTS = (EntryKind.PAYMENT, EntryKind.SUSPENSE_ALLOCATION)
PAID_AHEAD = "Paid ahead (credit)"
# A cell starting with one of these is a formula to a spreadsheet: a name like "=HYPERLINK(..)" stays text.
DEFAULTERS_HEADER = ("admission_no", "name", "class", "owed", "0-30 days", "31-60 days", "61-90 days",
                     "over 90 days", "not yet due", "guardian phones")  # fmt: skip
COLLECTIONS_HEADER = ("date", "entry", "admission_no", "name", "vote_head", "amount")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def guardian_phones(session: Session, student_ids: list[int]) -> dict[int, str]:
    query = (
        select(StudentGuardian.student_id, Guardian.phone)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(StudentGuardian.student_id.in_(student_ids))
        .order_by(Guardian.id)
    )
    phones: dict[int, list[str]] = {}
    for student_id, phone in session.execute(query):
        phones.setdefault(student_id, []).append(phone)
    return {sid: " ".join(numbers) for sid, numbers in phones.items()}


def defaulter_rows(session: Session, school_id: int, today: dt.date) -> list[list[str]]:
    owing = arrears(session, school_id, as_of=today)
    phones = guardian_phones(session, [row.student.id for row in owing])
    return [
        [
            text_cell(row.student.admission_no),
            text_cell(row.student.name),
            text_cell(row.student.class_name),
            amount_cell(row.total),
            *(amount_cell(owed) for owed in row.buckets),
            amount_cell(row.not_yet_due),
            phones.get(row.student.id, ""),
        ]
        for row in owing
    ]


def collection_rows(
    session: Session, school_id: int, first: dt.date, last: dt.date, vote_head_id: int | None
) -> list[list[str]]:
    """Money received onto students' accounts between the dates, per entry and vote head; reversals
    count (negative) on the day they were posted."""
    reversed_entry = aliased(Entry)
    root_kind = func.coalesce(reversed_entry.kind, Entry.kind)
    amount = func.sum(Line.credit - Line.debit)
    query = (
        select(Entry.effective_on, Entry.memo, Student.admission_no, Student.name, VoteHead.name, amount)
        .join(Line, Line.entry_id == Entry.id)
        .join(Account, Account.id == Line.account_id)
        .join(Student, Student.id == Account.student_id)
        .outerjoin(VoteHead, VoteHead.id == Account.vote_head_id)
        .outerjoin(reversed_entry, reversed_entry.id == Entry.reverses_id)
        .where(
            Entry.school_id == school_id,
            root_kind.in_(RECEIPTS),
            Account.kind.in_(STUDENT_KINDS),
            Entry.effective_on.between(first, last),
        )
        .group_by(Entry.id, Entry.effective_on, Entry.memo, Student.admission_no, Student.name, VoteHead.name)
        .order_by(Entry.effective_on, Entry.id, VoteHead.name)
    )
    if vote_head_id is not None:
        query = query.where(Account.vote_head_id == vote_head_id)
    return [
        [
            on.isoformat(),
            text_cell(memo),
            text_cell(adm),
            text_cell(name),
            text_cell(head or PAID_AHEAD),
            amount_cell(total),
        ]
        for on, memo, adm, name, head, total in session.execute(query)
        if total
    ]


def parse_day(text: str, fallback: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def vote_heads(session: Session, school_id: int) -> list[VoteHead]:
    query = select(VoteHead).where(VoteHead.school_id == school_id).order_by(VoteHead.priority, VoteHead.name)
    return list(session.scalars(query))


@router.get("/dashboard/exports")
def exports_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    today = school_day(config_of(request).clock())
    context = {
        "staff": staff,
        "page": "exports",
        "today": today,
        "month_start": today.replace(day=1),
        "vote_heads": vote_heads(session, staff.school_id),
        "reports": REPORTS,
    }
    return render(request, "exports.html", context)


REPORTS = {
    "collections": "What came in each day, by method (STK, Paybill, bank, cash, cheque) and by vote head.",
    "vote-heads": "Every receipt with how much of it went to each vote head.",
    "fees-register": "Each student: charged, bursaries and discounts, paid, balance, and owed per vote head.",
    "cash-book": "Receipts in number order; a cancelled receipt keeps its line.",
    "debtors": "Who owes, class by class, by how long past due.",
    "sponsors": "Bursaries by sponsor: pledged and received between the dates, outstanding at the last.",
}


@router.get("/dashboard/exports/report")
def report_file(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    kind: str = Query("cash-book", max_length=20),
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
    form: str = Query("xlsx", alias="format", max_length=4),
) -> Response:
    """A report as xlsx or csv (``karo export`` makes the same); a register is as at the last day."""
    if kind not in KINDS or form not in ("csv", "xlsx"):
        raise HTTPException(404, "No such report.")
    today = school_day(config_of(request).clock())
    last = parse_day(end, today)
    first = min(parse_day(start, last.replace(month=1, day=1)), last)
    report = build_report(session, staff.school_id, kind, first, last)
    filename = f"{staff.school.slug}-{kind}-{first}-to-{last}.{form}"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    if form == "csv":
        return Response(report_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(report_xlsx(report), media_type=XLSX, headers=headers)


@router.get("/dashboard/exports/defaulters.csv")
def defaulters_csv(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    today = school_day(config_of(request).clock())
    rows = defaulter_rows(session, staff.school_id, today)
    return csv_response(f"{staff.school.slug}-defaulters-{today}.csv", DEFAULTERS_HEADER, rows)


@router.get("/dashboard/exports/collections.csv")
def collections_csv(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
    vote_head: str = "",
) -> Response:
    today = school_day(config_of(request).clock())
    first, last = parse_day(start, today.replace(day=1)), parse_day(end, today)
    heads = {head.id for head in vote_heads(session, staff.school_id)}
    chosen = int(vote_head) if vote_head.isdigit() and int(vote_head) in heads else None
    rows = collection_rows(session, staff.school_id, min(first, last), max(first, last), chosen)
    return csv_response(f"{staff.school.slug}-collections-{first}-to-{last}.csv", COLLECTIONS_HEADER, rows)
