"""A student's statement (latest entries with a running balance) and their recent receipts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from ledger.books.balances import total_owed
from ledger.books.tables import (
    EARLY_DISCOUNT_KEY,
    SIBLING_DISCOUNT_KEY,
    Account,
    Entry,
    EntryKind,
    Line,
    Payment,
)
from ledger.db import read_rows
from ledger.records.refs import student_ref
from ledger.records.tables import Student
from ledger.types import Receipt, Statement, StatementLine, StudentRef

OWN_DISCOUNTS = ((SIBLING_DISCOUNT_KEY, "sibling_discount"), (EARLY_DISCOUNT_KEY, "early_discount"))


# Built once, with bound parameters, read as Core rows: a parent's phone reads statements page by page.
LATEST_IDS = (
    select(Entry.id)
    .where(Entry.student_id == bindparam("student_id"))
    .order_by(Entry.id.desc())
    .limit(bindparam("limit"))
)
IDS_BEFORE = LATEST_IDS.where(Entry.id < bindparam("before"))
_EFFECT = func.sum(Line.debit - Line.credit)
PAGE = (
    select(
        Entry.id,
        Entry.effective_on,
        Entry.memo,
        Entry.kind,
        Entry.idempotency_key,
        _EFFECT,
        Entry.reverses_id,
    )
    .join(Line, Line.entry_id == Entry.id)
    .join(Account, Account.id == Line.account_id)
    .where(Entry.id.in_(bindparam("ids", expanding=True)), Account.student_id == bindparam("student_id"))
    .group_by(Entry.id, Entry.effective_on, Entry.memo, Entry.kind, Entry.idempotency_key, Entry.reverses_id)
    .order_by(Entry.id.desc())
)
RECEIPT_NUMBERS = select(Payment.entry_id, Payment.allocation_entry_id, Payment.receipt_no).where(
    Payment.student_id == bindparam("student_id"),
    or_(
        Payment.entry_id.in_(bindparam("wanted", expanding=True)),
        Payment.allocation_entry_id.in_(bindparam("wanted", expanding=True)),
    ),
)
EFFECT_AFTER = (
    select(func.coalesce(_EFFECT, 0))
    .join(Entry, Entry.id == Line.entry_id)
    .join(Account, Account.id == Line.account_id)
    .where(
        Entry.student_id == bindparam("student_id"),
        Account.student_id == bindparam("student_id"),
        Entry.id > bindparam("entry_id"),
    )
)


def statement(session: Session, student: Student, *, limit: int = 10, before: int | None = None) -> Statement:
    """The latest ``limit`` entries on the student's account, oldest first with a running balance.

    ``before`` (an entry id) pages back through older entries, as "98 more" does on a phone.
    The closing balance comes from the cached balances minus any newer entries, so a page costs the
    same whatever the length of the history.
    """
    return statement_of(session, student_ref(session, student), limit=limit, before=before)


def statement_of(
    session: Session, child: StudentRef, *, limit: int = 10, before: int | None = None
) -> Statement:
    """``statement`` for a student already read as a reference (a parent's phone reads it so)."""
    # Pick the page's entries first through the (student_id, id) index, then sum only their lines:
    # grouping first would walk the whole history before the LIMIT applies.
    student = {"student_id": child.id}
    if before is None:
        ids = read_rows(session, LATEST_IDS, {**student, "limit": limit})
    else:
        ids = read_rows(session, IDS_BEFORE, {**student, "limit": limit, "before": before})
    page_ids = list(ids.scalars())
    page = list(reversed(read_rows(session, PAGE, {**student, "ids": page_ids}).all())) if page_ids else []
    closing = total_owed(session, child.id) - _effect_after(
        session, child.id, page[-1][0] if page else before
    )
    opening = closing - sum(row[5] for row in page)
    running, lines = opening, []
    receipts = _receipt_numbers(session, child.id, {row[0]: row[6] for row in page})
    for entry_id, on, memo, kind, key, change, _ in page:
        running += change
        named, receipt = _own_kind(kind, key), receipts.get(entry_id)
        lines.append(
            StatementLine(entry_id, on, memo, named, max(change, 0), max(-change, 0), running, receipt)
        )
    return Statement(child, opening, tuple(lines), closing)


def _own_kind(kind: EntryKind, key: str) -> str:
    """The entry's kind, naming Karo's own discounts apart from one a bursar grants, so that a parent's
    screen can name each in the parent's language."""
    if kind == EntryKind.DISCOUNT:
        for prefix, named in OWN_DISCOUNTS:
            if key.startswith(prefix):
                return named
    return kind.value


def _receipt_numbers(session: Session, student_id: int, page: dict[int, int | None]) -> dict[int, str]:
    """The receipt number each of the page's entries (id: the entry it reverses, if any) shows: that of
    the payment it posts (received, or allocated from suspense), or of the payment it reverses, so the
    family can match it to the paper."""
    if not page:
        return {}
    reverses = {entry_id: target for entry_id, target in page.items() if target is not None}
    wanted = [*page, *reverses.values()]
    numbers: dict[int, str] = {}
    for posted, allocated, number in read_rows(
        session, RECEIPT_NUMBERS, {"student_id": student_id, "wanted": wanted}
    ):
        numbers[posted] = number
        if allocated is not None:
            numbers[allocated] = number
    return {
        entry_id: numbers[found]
        for entry_id in page
        if (found := reverses.get(entry_id, entry_id)) in numbers
    }


def _effect_after(session: Session, student_id: int, entry_id: int | None) -> int:
    """How much entries newer than ``entry_id`` moved the student's balance (0 for the first page)."""
    if entry_id is None:
        return 0
    newer = read_rows(session, EFFECT_AFTER, {"student_id": student_id, "entry_id": entry_id}).scalar()
    return int(newer or 0)


def recent_receipts(
    session: Session,
    student: Student | StudentRef,
    *,
    limit: int = 5,
    before: tuple[dt.date, int] | None = None,
) -> list[Receipt]:
    """Payments credited to the student, newest first, each marked if it was later reversed; ``before``
    (a payment's received date and id) pages back through older ones."""
    reversal = aliased(Entry)
    query = (
        select(Payment, reversal.id)
        .outerjoin(reversal, reversal.reverses_id == Payment.entry_id)
        .where(Payment.student_id == student.id)
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(Payment.received_on, Payment.id) < tuple_(*before))
    rows = session.execute(query).all()
    return [
        Receipt(
            p.id, p.receipt_no, p.reference, p.source.value, p.amount, p.received_on, reversed_id is not None
        )
        for p, reversed_id in rows
    ]
