"""A student's statement (latest entries with a running balance) and their recent receipts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, tuple_
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
from ledger.records.refs import student_ref
from ledger.records.tables import Student
from ledger.types import Receipt, Statement, StatementLine

OWN_DISCOUNTS = ((SIBLING_DISCOUNT_KEY, "sibling_discount"), (EARLY_DISCOUNT_KEY, "early_discount"))


def statement(session: Session, student: Student, *, limit: int = 10, before: int | None = None) -> Statement:
    """The latest ``limit`` entries on the student's account, oldest first with a running balance.

    ``before`` (an entry id) pages back through older entries, as "98 more" does on a phone.
    The closing balance comes from the cached balances minus any newer entries, so a page costs the
    same whatever the length of the history.
    """
    # Pick the page's entries first through the (student_id, id) index, then sum only their lines:
    # grouping first would walk the whole history before the LIMIT applies.
    ids = select(Entry.id).where(Entry.student_id == student.id).order_by(Entry.id.desc()).limit(limit)
    if before is not None:
        ids = ids.where(Entry.id < before)
    page_ids = list(session.scalars(ids))
    effect = func.sum(Line.debit - Line.credit)
    query = (
        select(Entry.id, Entry.effective_on, Entry.memo, Entry.kind, Entry.idempotency_key, effect)
        .join(Line, Line.entry_id == Entry.id)
        .join(Account, Account.id == Line.account_id)
        .where(Entry.id.in_(page_ids), Account.student_id == student.id)
        .group_by(Entry.id, Entry.effective_on, Entry.memo, Entry.kind, Entry.idempotency_key)
        .order_by(Entry.id.desc())
    )
    page = list(reversed(session.execute(query).all()))
    closing = total_owed(session, student.id) - _effect_after(
        session, student.id, page[-1][0] if page else before
    )
    opening = closing - sum(row[5] for row in page)
    running, lines = opening, []
    receipts = _receipt_numbers(session, student.id, [row[0] for row in page])
    for entry_id, on, memo, kind, key, change in page:
        running += change
        named, receipt = _own_kind(kind, key), receipts.get(entry_id)
        lines.append(
            StatementLine(entry_id, on, memo, named, max(change, 0), max(-change, 0), running, receipt)
        )
    return Statement(student_ref(session, student), opening, tuple(lines), closing)


def _own_kind(kind: EntryKind, key: str) -> str:
    """The entry's kind, naming Karo's own discounts apart from one a bursar grants, so that a parent's
    screen can name each in the parent's language."""
    if kind == EntryKind.DISCOUNT:
        for prefix, named in OWN_DISCOUNTS:
            if key.startswith(prefix):
                return named
    return kind.value


def _receipt_numbers(session: Session, student_id: int, entry_ids: list[int]) -> dict[int, str]:
    """The receipt number each of these entries shows: that of the payment it posts (received, or
    allocated from suspense), or of the payment it reverses, so the family can match it to the paper."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(Entry.id, Entry.reverses_id).where(Entry.id.in_(entry_ids), Entry.reverses_id.is_not(None))
    )
    reverses = {entry_id: target for entry_id, target in rows}
    wanted = [*entry_ids, *(target for target in reverses.values() if target is not None)]
    numbers: dict[int, str] = {}
    for posted, allocated, number in session.execute(
        select(Payment.entry_id, Payment.allocation_entry_id, Payment.receipt_no).where(
            Payment.student_id == student_id,
            or_(Payment.entry_id.in_(wanted), Payment.allocation_entry_id.in_(wanted)),
        )
    ):
        numbers[posted] = number
        if allocated is not None:
            numbers[allocated] = number
    return {
        entry_id: numbers[found]
        for entry_id in entry_ids
        if (found := reverses.get(entry_id, entry_id)) is not None and found in numbers
    }


def _effect_after(session: Session, student_id: int, entry_id: int | None) -> int:
    """How much entries newer than ``entry_id`` moved the student's balance (0 for the first page)."""
    if entry_id is None:
        return 0
    newer = session.scalar(
        select(func.coalesce(func.sum(Line.debit - Line.credit), 0))
        .join(Entry, Entry.id == Line.entry_id)
        .join(Account, Account.id == Line.account_id)
        .where(Entry.student_id == student_id, Account.student_id == student_id, Entry.id > entry_id)
    )
    return int(newer or 0)


def recent_receipts(
    session: Session, student: Student, *, limit: int = 5, before: tuple[dt.date, int] | None = None
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
