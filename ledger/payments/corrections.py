"""Corrections: undoing a payment, charge, discount, bursary or late fee, with a reason, by new entries.

A payment's money goes where the bursar says: back to suspense (to be allocated again), to another student
of the school, or nowhere (voided: it never arrived, a bounced cheque or a mis-keyed cash entry). Each step
is a balanced entry posted once under its natural key (``reversal:<entry>``); the request that asks for a
correction is made once under its own key (``ledger.staff.approvals``). The family a reversed payment had
reached is told (``PaymentReversed``).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books.accounts import CLEARING_FOR_SOURCE, get_account
from ledger.books.journal import Leg, once, post_entry
from ledger.books.reversals import reverse_entry
from ledger.books.tables import AccountKind, Entry, EntryKind, Line, Payment
from ledger.errors import LedgerError, NotFound
from ledger.events import PaymentReversed, raise_event
from ledger.payments.receipts import METHOD
from ledger.payments.receipts import find_payment as payment_by_receipt
from ledger.payments.recording import allocate_suspense
from ledger.records.tables import Student


class Destination(enum.StrEnum):
    """Where a reversed payment's money goes."""

    SUSPENSE = "suspense"  # unmatched again, allocatable from the suspense page
    STUDENT = "student"  # to another student of the school
    VOID = "void"  # nowhere: the money never arrived


# Entries reversed as they stand; a payment's postings (PAYMENT, SUSPENSE_ALLOCATION) go through
# reverse_payment, which also decides where the money goes.
REVERSIBLE = frozenset({EntryKind.CHARGE, EntryKind.DISCOUNT, EntryKind.BURSARY, EntryKind.LATE_FEE})
PAYMENT_POSTINGS = frozenset({EntryKind.PAYMENT, EntryKind.SUSPENSE_ALLOCATION})


def find_payment(session: Session, school_id: int, receipt: str) -> Payment:
    """The payment a bursar names by Karo's receipt number or by its own reference (the M-Pesa receipt, the
    bank or cash reference), in any case and spacing (``ledger.payments.receipts.find_payment``)."""
    wanted = " ".join(receipt.split()).upper()
    if not wanted:
        raise NotFound("give the payment's receipt or reference")
    payment = payment_by_receipt(session, school_id, wanted)
    if payment is None:
        raise NotFound(f"no payment with receipt or reference {wanted} in this school")
    return payment


def is_reversed(session: Session, entry_id: int) -> bool:
    return session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id)) is not None


def effect_on_student(session: Session, entry: Entry) -> int:
    """How much the entry raised (positive) or lowered the balance of the student it was posted for."""
    lines = session.scalars(select(Line).where(Line.entry_id == entry.id)).all()
    return sum(line.debit - line.credit for line in lines if line.account.student_id is not None)


def payment_label(payment: Payment) -> str:
    """``M-Pesa QK12AB34CD``: how memos, notices and pages name a payment."""
    return f"{METHOD[payment.source]} {payment.reference}"


def check_payment_reversal(
    session: Session, payment: Payment, destination: Destination, to_student: Student | None
) -> None:
    """Refuse a reversal that cannot be made now, in the bursar's words."""
    named = payment_label(payment)
    if is_reversed(session, payment.entry_id):
        raise LedgerError(f"{named} was voided already")
    if destination == Destination.SUSPENSE and payment.student_id is None:
        raise LedgerError(f"{named} is in suspense already: allocate it from the suspense page")
    if destination == Destination.STUDENT:
        if to_student is None:
            raise LedgerError("name the student the money goes to")
        if to_student.school_id != payment.school_id:
            raise LedgerError("that student is not in this school")
        if to_student.id == payment.student_id:
            raise LedgerError(f"{named} is already {to_student.admission_no}'s")


def check_entry_reversal(session: Session, entry: Entry) -> None:
    if entry.kind in PAYMENT_POSTINGS:
        raise LedgerError("a payment is reversed as a payment, choosing where its money goes")
    if entry.kind not in REVERSIBLE:
        raise LedgerError(f"a {entry.kind.value.replace('_', ' ')} entry cannot be reversed here")
    if is_reversed(session, entry.id):
        raise LedgerError(f"that {entry.kind.value.replace('_', ' ')} was reversed already")


def reverse_payment(
    session: Session,
    payment: Payment,
    destination: Destination,
    *,
    reason: str,
    actor: str,
    now: dt.datetime,
    on: dt.date,
    to_student: Student | None = None,
) -> list[Entry]:
    """Take the payment off the student it reached (if any) and send its money to ``destination``;
    returns the entries posted, each balanced (clearing and suspense net to zero across a pair)."""
    check_payment_reversal(session, payment, destination, to_student)
    reached, named = payment.student_id, payment_label(payment)
    posted: list[Entry] = []
    if payment.allocation_entry_id is not None:  # allocated from suspense: undoing it puts it back there
        posted.append(_reverse(session, payment.allocation_entry_id, named, reason, on, actor))
    elif reached is not None and destination != Destination.VOID:
        posted += _return_to_suspense(session, payment, reason, on, actor)
    if destination == Destination.VOID:
        posted.append(_reverse(session, payment.entry_id, named, reason, on, actor))
    elif destination == Destination.STUDENT:
        assert to_student is not None  # checked above
        allocated, _ = allocate_suspense(session, payment, to_student, actor=actor, on=on, now=now)
        posted.append(allocated)
    if reached is not None:
        raise_event(session, PaymentReversed(payment.id, reached, posted[0].id, reason, now))
    return posted


def reverse_other_entry(session: Session, entry: Entry, *, reason: str, actor: str, on: dt.date) -> Entry:
    """Reverse a charge, discount, bursary or late fee, naming it in the reversal's memo."""
    check_entry_reversal(session, entry)
    return _reverse(session, entry.id, entry.memo, reason, on, actor)


def _reverse(session: Session, entry_id: int, named: str, reason: str, on: dt.date, actor: str) -> Entry:
    entry = session.get_one(Entry, entry_id)
    reversal, _ = reverse_entry(
        session, entry.school_id, entry_id, reason=reason, on=on, actor=actor, what=named
    )
    return reversal


def _return_to_suspense(
    session: Session, payment: Payment, reason: str, on: dt.date, actor: str
) -> list[Entry]:
    """A payment recorded straight to a student, back in suspense: the posting reversed, and the money
    received again into suspense, so the payment then reads as one that matched no student."""
    named = payment_label(payment)
    reversal = _reverse(session, payment.entry_id, named, reason, on, actor)
    key, body = f"suspense-return:{payment.id}", {"payment": payment.id}

    def post() -> Entry:
        clearing = get_account(session, payment.school_id, CLEARING_FOR_SOURCE[payment.source])
        suspense = get_account(session, payment.school_id, AccountKind.SUSPENSE)
        return post_entry(
            session,
            school_id=payment.school_id,
            kind=EntryKind.SUSPENSE_RECEIPT,
            legs=[Leg(clearing, debit=payment.amount), Leg(suspense, credit=payment.amount)],
            key=key,
            body=body,
            memo=f"{named} back in suspense",
            effective_on=on,
            actor=actor,
        )

    received, _ = once(session, payment.school_id, key, body, post)
    payment.entry_id, payment.student_id = received.id, None
    session.flush()
    return [reversal, received]
