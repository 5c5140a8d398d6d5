"""Payments taken back on a day: voided (the receipt cancelled), sent back to suspense, or moved to another
student. One line per payment, however many reversing entries its correction posted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.books.tables import Entry, EntryKind, Payment
from ledger.payments.receipts import METHOD, is_cancelled
from ledger.records.tables import Student

# The entries a payment posts (``ledger.payments.recording`` and ``corrections``), with the prefix of the
# idempotency key that names the payment: its reference, or its id.
_BY_REFERENCE = "payment:"
_BY_ID = ("suspense-return:", "suspense-allocation:")
_POSTINGS = (EntryKind.PAYMENT, EntryKind.SUSPENSE_RECEIPT, EntryKind.SUSPENSE_ALLOCATION)


@dataclass(frozen=True)
class ReversedPayment:
    receipt: str
    received_on: dt.date
    method: str
    reference: str
    amount: int
    outcome: str  # "cancelled", "back in suspense" or "now <name> (<adm>)"
    reason: str
    by: str


def payments_reversed_on(session: Session, school_id: int, day: dt.date) -> list[ReversedPayment]:
    """Each payment a reversal dated ``day`` took back, in the order they were reversed."""
    original = aliased(Entry)
    rows = session.execute(
        select(Entry, original)
        .join(original, original.id == Entry.reverses_id)
        .where(
            Entry.school_id == school_id,
            Entry.kind == EntryKind.REVERSAL,
            Entry.effective_on == day,
            original.kind.in_(_POSTINGS),
        )
        .order_by(Entry.id)
    )
    found: dict[int, ReversedPayment] = {}
    for reversal, posting in rows:
        payment = _payment_of(session, school_id, posting.idempotency_key)
        if payment is not None and payment.id not in found:
            found[payment.id] = ReversedPayment(
                receipt=payment.receipt_no,
                received_on=payment.received_on,
                method=METHOD[payment.source],
                reference=payment.reference,
                amount=payment.amount,
                outcome=_outcome(session, payment),
                reason=reversal.memo.split(": ", 1)[-1],
                by=reversal.created_by,
            )
    return list(found.values())


def _payment_of(session: Session, school_id: int, key: str) -> Payment | None:
    if key.startswith(_BY_REFERENCE):
        reference = key.removeprefix(_BY_REFERENCE)
        query = select(Payment).where(Payment.school_id == school_id, Payment.reference == reference)
        return session.scalars(query).one_or_none()
    for prefix in _BY_ID:
        if key.startswith(prefix):
            number = key.removeprefix(prefix).split("#", 1)[0]
            payment = session.get(Payment, int(number)) if number.isdigit() else None
            return payment if payment is not None and payment.school_id == school_id else None
    return None


def _outcome(session: Session, payment: Payment) -> str:
    if is_cancelled(session, payment):
        return "cancelled"
    if payment.student_id is None:
        return "back in suspense"
    student = session.get_one(Student, payment.student_id)
    return f"now {student.name} ({student.admission_no})"
