"""The reports a Kenyan bursar files, from the journal alone: collections by method and by vote head per
day, the vote-head analysis of every receipt, the cash book, the fees register and the debtors by class.

A payment counts on the day it was received unless it was reversed (its receipt cancelled). How it was
spread is how its allocating entry spread it: the payment itself when it reached a student at once, the
allocation from suspense when it waited; money still in suspense is "Unallocated", and what was left
after everything owed was paid is "Credit carried". So for any dates, collections by method, collections
by vote head and the cash book add up to the same total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger.books.reports import arrears
from ledger.books.tables import (
    CHARGE_KINDS,
    Account,
    AccountKind,
    Entry,
    EntryKind,
    Line,
    Payment,
    PaymentSource,
)
from ledger.records.tables import SchoolClass, Student, VoteHead
from ledger.types import Cell, Report, ReportColumn

METHODS = (
    (PaymentSource.MPESA_STK, "M-Pesa STK"),
    (PaymentSource.MPESA_PAYBILL, "M-Pesa Paybill"),
    (PaymentSource.BANK, "Bank"),
    (PaymentSource.CASH, "Cash"),
    (PaymentSource.CHEQUE, "Cheque"),
)
CREDIT_CARRIED = "Credit carried"
UNALLOCATED = "Unallocated"
KINDS = ("collections", "vote-heads", "fees-register", "cash-book", "debtors")

_CHARGES = CHARGE_KINDS
_CREDITS = (EntryKind.BURSARY, EntryKind.DISCOUNT)
_PAID = (EntryKind.PAYMENT, EntryKind.SUSPENSE_ALLOCATION)


@dataclass(frozen=True)
class Received:
    """One payment that stands, with its spread over vote heads (and credit carried, or unallocated)."""

    payment: Payment
    student: Student | None
    spread: dict[str, int]


def text_column(name: str) -> ReportColumn:
    return ReportColumn(name, "text")


def money_column(name: str) -> ReportColumn:
    return ReportColumn(name, "money")


def with_totals(
    name: str, title: str, columns: Sequence[ReportColumn], rows: Sequence[tuple[Cell, ...]]
) -> Report:
    """The report with a totals row: every money column summed, "Total" in the first column."""
    totals: list[Cell] = []
    for index, column in enumerate(columns):
        if column.kind == "money":
            totals.append(sum(cents for row in rows if isinstance(cents := row[index], int)))
        else:
            totals.append("Total" if index == 0 else "")
    return Report(name, title, tuple(columns), tuple(rows), tuple(totals))


def vote_head_names(session: Session, school_id: int) -> list[str]:
    query = (
        select(VoteHead.name)
        .where(VoteHead.school_id == school_id)
        .order_by(VoteHead.priority, VoteHead.name)
    )
    return list(session.scalars(query))


def received(session: Session, school_id: int, first: dt.date, last: dt.date) -> list[Received]:
    """The school's payments received between the dates that were not reversed, in receipt order."""
    reversal = aliased(Entry)
    payments = list(
        session.scalars(
            select(Payment)
            .outerjoin(reversal, reversal.reverses_id == Payment.entry_id)
            .where(
                Payment.school_id == school_id,
                Payment.received_on.between(first, last),
                reversal.id.is_(None),
            )
            .order_by(Payment.received_on, Payment.id)
        )
    )
    allocating = {p.id: _allocating_entry(p) for p in payments}
    spreads: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    entry_ids = [entry_id for entry_id in allocating.values() if entry_id is not None]
    for chunk in range(0, len(entry_ids), 500):
        rows = session.execute(
            select(Line.entry_id, Account.kind, VoteHead.name, Line.credit - Line.debit)
            .join(Account, Account.id == Line.account_id)
            .outerjoin(VoteHead, VoteHead.id == Account.vote_head_id)
            .where(Line.entry_id.in_(entry_ids[chunk : chunk + 500]), Account.student_id.is_not(None))
        )
        for line_entry, kind, head, amount in rows:
            spreads[line_entry][CREDIT_CARRIED if kind == AccountKind.CREDIT else head or UNALLOCATED] += (
                amount
            )
    students = {s.id: s for s in session.scalars(select(Student).where(Student.school_id == school_id))}
    result = []
    for payment in payments:
        allocated_by = allocating[payment.id]
        spread = (
            {k: v for k, v in spreads[allocated_by].items() if v}
            if allocated_by is not None
            else {UNALLOCATED: payment.amount}
        )
        student = students.get(payment.student_id) if payment.student_id is not None else None
        result.append(Received(payment, student, spread))
    return result


def _allocating_entry(payment: Payment) -> int | None:
    if payment.allocation_entry_id is not None:
        return payment.allocation_entry_id
    return payment.entry_id if payment.student_id is not None else None


def collections(session: Session, school_id: int, first: dt.date, last: dt.date) -> Report:
    """Per day: what came in by each method, the total, and how it was spread over the vote heads."""
    heads = [*vote_head_names(session, school_id), CREDIT_CARRIED, UNALLOCATED]
    by_day: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in received(session, school_id, first, last):
        day = by_day[item.payment.received_on]
        day[f"method:{item.payment.source.value}"] += item.payment.amount
        for head, amount in item.spread.items():
            day[f"head:{head}"] += amount
    used = [head for head in heads if any(day.get(f"head:{head}") for day in by_day.values())]
    columns = [
        ReportColumn("Date", "date"),
        *(money_column(label) for _, label in METHODS),
        money_column("Total"),
    ]
    columns += [money_column(head) for head in used]
    rows: list[tuple[Cell, ...]] = []
    for on, sums in sorted(by_day.items()):
        by_method = [sums.get(f"method:{source.value}", 0) for source, _ in METHODS]
        rows.append((on, *by_method, sum(by_method), *(sums.get(f"head:{head}", 0) for head in used)))
    return with_totals("collections", f"Collections {first} to {last}", columns, rows)


def vote_head_analysis(session: Session, school_id: int, first: dt.date, last: dt.date) -> Report:
    """Every receipt, with how much of it went to each vote head."""
    items = received(session, school_id, first, last)
    heads = [*vote_head_names(session, school_id), CREDIT_CARRIED, UNALLOCATED]
    used = [head for head in heads if any(item.spread.get(head) for item in items)]
    columns = [
        text_column("Receipt"),
        ReportColumn("Date", "date"),
        text_column("Admission no."),
        text_column("Name"),
        text_column("Method"),
    ]
    columns += [money_column("Amount"), *(money_column(head) for head in used)]
    rows: list[tuple[Cell, ...]] = [
        (
            item.payment.receipt_no,
            item.payment.received_on,
            item.student.admission_no if item.student else "",
            item.student.name if item.student else "",
            dict(METHODS)[item.payment.source],
            item.payment.amount,
            *(item.spread.get(head, 0) for head in used),
        )
        for item in items
    ]
    return with_totals("vote-heads", f"Vote-head analysis {first} to {last}", columns, rows)


def cash_book(session: Session, school_id: int, first: dt.date, last: dt.date) -> Report:
    """Receipts in order with their numbers; a cancelled receipt keeps its line, at zero."""
    standing = {item.payment.id: item for item in received(session, school_id, first, last)}
    payments = session.scalars(
        select(Payment)
        .where(Payment.school_id == school_id, Payment.received_on.between(first, last))
        .order_by(Payment.receipt_no)
    )
    students = {s.id: s for s in session.scalars(select(Student).where(Student.school_id == school_id))}
    columns = [
        text_column("Receipt"),
        ReportColumn("Date", "date"),
        text_column("Method"),
        text_column("Reference"),
    ]
    columns += [
        text_column("Admission no."),
        text_column("Name"),
        text_column("Received from"),
        money_column("Amount"),
        text_column("Status"),
    ]
    rows: list[tuple[Cell, ...]] = []
    for payment in payments:
        student = students.get(payment.student_id) if payment.student_id is not None else None
        cancelled = payment.id not in standing
        rows.append(
            (
                payment.receipt_no,
                payment.received_on,
                dict(METHODS)[payment.source],
                payment.reference,
                student.admission_no if student else "",
                student.name if student else "",
                payment.payer or "",
                0 if cancelled else payment.amount,
                f"cancelled (was {payment.amount / 100:,.2f})" if cancelled else "",
            )
        )
    return with_totals("cash-book", f"Cash book {first} to {last}", columns, rows)


def fees_register(session: Session, school_id: int, as_of: dt.date) -> Report:
    """Each student: charged, discounts and bursaries, paid, refunded, balance, and owed per vote head.

    Each kind of entry counts by what it did to the student's whole account: an invoice that used credit
    paid earlier moved money between the student's own accounts, which nets to nothing, so it counts as
    the fees charged, and the earlier payment as paid. A reversal counts under the kind it reversed.
    """
    reversed_entry = aliased(Entry)
    root_kind = func.coalesce(reversed_entry.kind, Entry.kind)
    change = func.sum(Line.debit - Line.credit)
    on_students = (Entry.school_id == school_id, Account.student_id.is_not(None), Entry.effective_on <= as_of)
    by_kind = session.execute(
        select(Account.student_id, root_kind, change)
        .join(Entry, Entry.id == Line.entry_id)
        .outerjoin(reversed_entry, reversed_entry.id == Entry.reverses_id)
        .join(Account, Account.id == Line.account_id)
        .where(*on_students)
        .group_by(Account.student_id, root_kind)
    )
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for student_id, kind, total in by_kind:
        if student_id is None:
            continue
        cents = int(total or 0)
        sums[student_id][_REGISTER_COLUMN.get(EntryKind(kind), "other")] += cents
        sums[student_id]["balance"] += cents
    by_head = session.execute(
        select(Account.student_id, VoteHead.name, change)
        .join(Entry, Entry.id == Line.entry_id)
        .join(Account, Account.id == Line.account_id)
        .join(VoteHead, VoteHead.id == Account.vote_head_id)
        .where(*on_students, Account.kind == AccountKind.RECEIVABLE)
        .group_by(Account.student_id, VoteHead.name)
    )
    for student_id, head, total in by_head:
        if student_id is not None:
            sums[student_id][f"head:{head}"] += int(total or 0)
    heads = vote_head_names(session, school_id)
    students = session.execute(
        select(Student, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school_id)
        .order_by(SchoolClass.name, Student.admission_key)
    )
    columns = [
        text_column("Admission no."),
        text_column("Name"),
        text_column("Class"),
        money_column("Charged"),
    ]
    columns += [
        money_column("Bursaries and discounts"),
        money_column("Paid"),
        money_column("Refunded"),
        money_column("Balance"),
    ]
    columns += [money_column(f"{head} owed") for head in heads]
    table: list[tuple[Cell, ...]] = []
    for student, class_name in students:
        bucket = sums.get(student.id, {})
        table.append(
            (
                student.admission_no,
                student.name,
                class_name,
                bucket.get("charged", 0),
                -bucket.get("credited", 0),
                -bucket.get("paid", 0),
                bucket.get("refunded", 0),
                bucket.get("balance", 0),
                *(bucket.get(f"head:{head}", 0) for head in heads),
            )
        )
    return with_totals("fees-register", f"Fees register as at {as_of}", columns, table)


# Where each kind of entry counts in the fees register (what is left, e.g. a credit moved between
# siblings, is in the balance only).
_REGISTER_COLUMN = {
    **dict.fromkeys(_CHARGES, "charged"),
    **dict.fromkeys(_CREDITS, "credited"),
    **dict.fromkeys(_PAID, "paid"),
    EntryKind.REFUND: "refunded",
}


def debtors(session: Session, school_id: int, as_of: dt.date) -> Report:
    """Every student who owes, class by class, with what they owe by how long past due."""
    owing = sorted(arrears(session, school_id, as_of=as_of), key=lambda r: (r.student.class_name, -r.total))
    columns = [text_column("Class"), text_column("Admission no."), text_column("Name"), money_column("Owed")]
    columns += [
        money_column("0-30 days"),
        money_column("31-60 days"),
        money_column("61-90 days"),
        money_column("Over 90 days"),
    ]
    columns += [money_column("Not yet due")]
    rows: list[tuple[Cell, ...]] = [
        (r.student.class_name, r.student.admission_no, r.student.name, r.total, *r.buckets, r.not_yet_due)
        for r in owing
    ]
    return with_totals("debtors", f"Debtors by class as at {as_of}", columns, rows)


def build_report(session: Session, school_id: int, kind: str, first: dt.date, last: dt.date) -> Report:
    """The report ``karo export KIND`` and the dashboard make (KINDS); a register is as at ``last``."""
    if kind == "collections":
        return collections(session, school_id, first, last)
    if kind == "vote-heads":
        return vote_head_analysis(session, school_id, first, last)
    if kind == "cash-book":
        return cash_book(session, school_id, first, last)
    if kind == "fees-register":
        return fees_register(session, school_id, last)
    if kind == "debtors":
        return debtors(session, school_id, last)
    raise ValueError(f"unknown report {kind!r}; choose one of {', '.join(KINDS)}")
