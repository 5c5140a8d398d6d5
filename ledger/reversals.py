"""Fixing a mistake the bookkeeper's way: a new entry that undoes an old one, line for line."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.allocation import lock_student
from ledger.errors import AlreadyReversed, LedgerError, NotFound
from ledger.journal import Leg, once, post_entry
from ledger.journal_tables import Entry, EntryKind, Payment


def reverse_entry(
    session: Session, school_id: int, entry_id: int, *, reason: str, on: dt.date, actor: str
) -> tuple[Entry, bool]:
    """Post the mirror image of an entry. Each entry can be reversed once; a reversal is not reversed."""
    original = session.get(Entry, entry_id)
    if original is None or original.school_id != school_id:
        raise NotFound(f"no entry {entry_id} in this school")
    if original.kind == EntryKind.REVERSAL:
        raise LedgerError("a reversal cannot itself be reversed; post the entry again instead")
    key = f"reversal:{entry_id}"
    body = {"entry": entry_id}
    earlier = session.scalars(select(Entry).where(Entry.reverses_id == entry_id)).one_or_none()
    if earlier is not None and earlier.idempotency_key != key:
        raise AlreadyReversed(f"entry {entry_id} was already reversed")

    def post() -> Entry:
        if original.student_id is not None:
            lock_student(session, original.student_id)
        legs = [Leg(line.account, debit=line.credit, credit=line.debit) for line in original.lines]
        return post_entry(
            session,
            school_id=school_id,
            kind=EntryKind.REVERSAL,
            legs=legs,
            key=key,
            body=body,
            memo=f"Reversal: {reason}"[:200],
            effective_on=on,
            actor=actor,
            student_id=original.student_id,
            term_id=original.term_id,
            reverses_id=original.id,
        )

    return once(session, school_id, key, body, post)


def payment_is_reversed(session: Session, payment: Payment) -> bool:
    return session.scalars(select(Entry.id).where(Entry.reverses_id == payment.entry_id)).first() is not None
