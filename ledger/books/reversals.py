"""Fixing a mistake the bookkeeper's way: a new entry that undoes an old one, line for line."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.books.allocation import lock_student, rebalancing_legs
from ledger.books.journal import Leg, once, post_entry
from ledger.books.tables import Entry, EntryKind, Payment
from ledger.errors import LedgerError, NotFound


def reverse_entry(
    session: Session,
    school_id: int,
    entry_id: int,
    *,
    reason: str,
    on: dt.date,
    actor: str,
    what: str | None = None,
) -> tuple[Entry, bool]:
    """Post the mirror image of an entry (then rebalance the student's allocation). Reversing the same
    entry again returns the first reversal; a reversal is not itself reversed. ``what`` names the original
    in the memo ("Reversal of M-Pesa QK12AB34CD: wrong child")."""
    original = session.get(Entry, entry_id)
    if original is None or original.school_id != school_id:
        raise NotFound(f"no entry {entry_id} in this school")
    if original.kind == EntryKind.REVERSAL:
        raise LedgerError("a reversal cannot itself be reversed; post the entry again instead")
    key = f"reversal:{entry_id}"
    body = {"entry": entry_id}

    # Not post_for_student: the entry may have no student (a suspense receipt), it takes the original's
    # term and reverses_id, and a payment goes back to suspense in the same savepoint.
    def post() -> Entry:
        # Checked only when posting: a retry of a reversal already made returns it unchanged.
        payment = _payment_allocated_by(session, original)
        if original.kind == EntryKind.SUSPENSE_RECEIPT and payment is not None:
            raise LedgerError("that payment was allocated to a student: reverse the allocation first")
        if original.kind == EntryKind.SUSPENSE_ALLOCATION and payment is not None:
            payment.student_id, payment.allocation_entry_id = None, None  # back in suspense
        legs = [Leg(line.account, debit=line.credit, credit=line.debit) for line in original.lines]
        if original.student_id is not None:
            # Undoing an invoice that was already paid leaves that money as credit, not as an overpaid
            # vote head; undoing a payment lets any credit pay what is owed again.
            student = lock_student(session, original.student_id)
            legs += rebalancing_legs(session, student, legs)
        return post_entry(
            session,
            school_id=school_id,
            kind=EntryKind.REVERSAL,
            legs=legs,
            key=key,
            body=body,
            memo=(f"Reversal of {what}: {reason}" if what else f"Reversal: {reason}")[:200],
            effective_on=on,
            actor=actor,
            student_id=original.student_id,
            term_id=original.term_id,
            reverses_id=original.id,
        )

    return once(session, school_id, key, body, post)


def _payment_allocated_by(session: Session, entry: Entry) -> Payment | None:
    """For a suspense receipt or allocation, the payment when it is currently allocated."""
    if entry.kind == EntryKind.SUSPENSE_RECEIPT:
        query = select(Payment).where(Payment.entry_id == entry.id, Payment.allocation_entry_id.is_not(None))
    elif entry.kind == EntryKind.SUSPENSE_ALLOCATION:
        query = select(Payment).where(Payment.allocation_entry_id == entry.id)
    else:
        return None
    return session.scalars(query).one_or_none()


def live_entries(
    session: Session, student_id: int, term_id: int, kind: EntryKind, *, key_prefix: str | None = None
) -> list[Entry]:
    """The student's entries of ``kind`` for the term that no reversal undid (optionally only those
    whose idempotency key starts with ``key_prefix``), oldest first."""
    reversal = aliased(Entry)
    query = (
        select(Entry)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Entry.student_id == student_id,
            Entry.term_id == term_id,
            Entry.kind == kind,
            reversal.id.is_(None),
        )
        .order_by(Entry.id)
    )
    if key_prefix is not None:
        query = query.where(Entry.idempotency_key.startswith(key_prefix))
    return list(session.scalars(query))
