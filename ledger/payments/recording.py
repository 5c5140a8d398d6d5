"""Recording money received: to a student (allocated across what they owe) or into suspense."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledger.billing.early_discount import grant_early_discounts
from ledger.books.accounts import CLEARING_FOR_SOURCE, account_key, get_account
from ledger.books.allocation import allocation_legs, books_of, lock_student, paying_legs
from ledger.books.journal import (
    Leg,
    body_hash,
    claim_entry,
    find_by_key,
    live_key,
    once,
    post_entry,
    write_legs,
)
from ledger.books.tables import AccountKind, Entry, EntryKind, Payment, PaymentSource
from ledger.errors import DuplicateReference, InvalidAmount, LedgerError
from ledger.events import PaymentReachedStudent, handle_now, raise_event
from ledger.payments.receipts import METHOD, next_receipt_number
from ledger.records.tables import School, Student


@dataclass(frozen=True)
class Received:
    """What the payer sent, as the source reported it."""

    source: PaymentSource
    reference: str  # M-Pesa receipt, bank slip or cash receipt number: unique per school
    amount: int  # cents
    received_on: dt.date
    account_text: str | None = None
    payer: str | None = None


def record_payment(
    session: Session,
    school_id: int,
    received: Received,
    student: Student | None,
    *,
    actor: str,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> tuple[Payment, bool]:
    """Post money received, once per reference. ``student=None`` puts it in suspense.

    Returns (payment, created). The same reference with other details is refused. With ``notify``, the
    receipt for each guardian is written to the outbox in the same transaction as the posting.

    No savepoint: the entry's key is claimed before anything else is written (``claim_entry``), so a
    repeat, or a reference another payment holds, writes nothing. Only a transaction giving a provisional
    STK payment this reference after the claim can still beat it: then the payment's INSERT fails, and
    the whole transaction with it (nothing of this posting can be committed).
    """
    if received.amount <= 0:
        raise InvalidAmount("a payment must be more than zero")
    if student is not None and student.school_id != school_id:
        raise LedgerError("that student is not in this school")
    reference = received.reference.strip().upper()
    key = f"payment:{reference}"
    body = {
        "source": received.source.value,
        "amount": received.amount,
        "student": student.id if student else None,
        "on": received.received_on.isoformat(),
    }
    kind, memo = (
        (EntryKind.PAYMENT, f"{METHOD[received.source]} payment {reference}")
        if student is not None
        else (EntryKind.SUSPENSE_RECEIPT, f"Unmatched {METHOD[received.source]} {reference}")
    )
    entry = Entry(
        school_id=school_id,
        kind=kind,
        memo=memo[:200],
        effective_on=received.received_on,
        created_by=actor,
        idempotency_key=key,
        body_hash=body_hash(body),
        student_id=student.id if student else None,
    )
    taken = exists().where(Payment.school_id == school_id, Payment.reference == reference)
    entry_id = claim_entry(session, entry, unless=taken)
    if entry_id is None:
        return _recorded_before(session, school_id, key, body, reference), False
    legs, owed_after = _legs(session, school_id, received, student)
    write_legs(session, school_id, entry_id, kind, legs)
    # Held until the bus has written the receipt (below), which reads it: the session's identity map keeps
    # only objects something refers to.
    school = _school(session, school_id)
    payment = Payment(
        school_id=school_id,
        entry_id=entry_id,
        source=received.source,
        reference=reference,
        amount=received.amount,
        student_id=student.id if student else None,
        account_text=received.account_text,
        payer=received.payer,
        received_on=received.received_on,
        receipt_no=next_receipt_number(session, school, received.received_on.year),
    )
    session.add(payment)
    session.flush()
    if student is not None:
        if grant_early_discounts(session, student, received.received_on, actor=actor):
            owed_after = None  # the discount moved it again: the receipt reads it
        at = now or dt.datetime.now(dt.UTC)
        raise_event(session, PaymentReachedStudent(payment.id, at, notify, owed_after))
        handle_now(session)  # its receipt and the family's thanks read the books as this payment left them
    return payment, True


def _legs(
    session: Session, school_id: int, received: Received, student: Student | None
) -> tuple[list[Leg], int | None]:
    """The entry's legs, and what the student will owe after it (None in suspense)."""
    clearing_kind = CLEARING_FOR_SOURCE[received.source]
    if student is None:
        clearing = get_account(session, school_id, clearing_kind)
        suspense = get_account(session, school_id, AccountKind.SUSPENSE)
        return [Leg(clearing, debit=received.amount), Leg(suspense, credit=received.amount)], None
    clearing_key = account_key(clearing_kind)
    books = books_of(session, student, [clearing_key])
    clearing = books.by_key.get(clearing_key) or get_account(session, school_id, clearing_kind)
    legs = [Leg(clearing, debit=received.amount), *paying_legs(session, student, received.amount, books)]
    return legs, books.owed_total - received.amount


def _recorded_before(
    session: Session, school_id: int, key: str, body: Mapping[str, Any], reference: str
) -> Payment:
    """The payment a repeat of ``key`` names; refuses a key reused with other details, and a reference
    another payment holds (a provisional STK payment given this receipt)."""
    entry = find_by_key(session, school_id, key, body)
    payment = None
    if entry is not None:
        payment = session.scalars(select(Payment).where(Payment.entry_id == entry.id)).one_or_none()
    if payment is None and (entry is None or entry.kind == EntryKind.PAYMENT):
        # A correction put it back in suspense since, or another entry's payment holds the reference.
        payment = session.scalars(
            select(Payment).where(Payment.school_id == school_id, Payment.reference == reference)
        ).one_or_none()
        if entry is None and payment is not None:
            raise DuplicateReference(f"reference {reference} is already used by payment {payment.receipt_no}")
    if payment is None:
        raise DuplicateReference(f"reference {reference} is already used by another entry")
    return payment


def allocate_suspense(
    session: Session,
    payment: Payment,
    student: Student,
    *,
    actor: str,
    on: dt.date | None = None,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> tuple[Entry, bool]:
    """Move a suspense payment to the student it belongs to (once; again only after a reversal)."""
    if student.school_id != payment.school_id:
        raise LedgerError("that student is not in this school")
    key = live_key(session, payment.school_id, f"suspense-allocation:{payment.id}")
    body = {"payment": payment.id, "student": student.id}
    if payment.student_id is not None and payment.allocation_entry_id is None:
        raise LedgerError(f"payment {payment.reference} was never in suspense")
    if session.scalar(select(Entry.id).where(Entry.reverses_id == payment.entry_id)) is not None:
        raise LedgerError(f"payment {payment.reference} was reversed: there is nothing to allocate")

    # Not post_for_student: the payment is marked allocated, and the early discount and the event raised,
    # in the same savepoint as the entry.
    def post() -> Entry:
        lock_student(session, student.id)
        suspense = get_account(session, payment.school_id, AccountKind.SUSPENSE)
        entry = post_entry(
            session,
            school_id=payment.school_id,
            kind=EntryKind.SUSPENSE_ALLOCATION,
            legs=[Leg(suspense, debit=payment.amount), *allocation_legs(session, student, payment.amount)],
            key=key,
            body=body,
            memo=f"{METHOD[payment.source]} {payment.reference} allocated",
            effective_on=on or payment.received_on,
            actor=actor,
            student_id=student.id,
        )
        payment.student_id = student.id
        payment.allocation_entry_id = entry.id
        # The family paid when the money arrived, not when the bursar matched it.
        grant_early_discounts(session, student, payment.received_on, actor=actor)
        raise_event(session, PaymentReachedStudent(payment.id, now or dt.datetime.now(dt.UTC), notify))
        return entry

    return once(session, payment.school_id, key, body, post)


def _school(session: Session, school_id: int) -> School:
    school = session.get(School, school_id)
    if school is None:
        raise LedgerError(f"no school {school_id}")
    return school
