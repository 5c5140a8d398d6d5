"""Recording money received: to a student (allocated across what they owe) or into suspense."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.early_discount import grant_early_discounts
from ledger.books.accounts import CLEARING_FOR_SOURCE, get_account
from ledger.books.allocation import allocation_legs, lock_student
from ledger.books.journal import Leg, live_key, once, post_entry
from ledger.books.tables import AccountKind, Entry, EntryKind, Payment, PaymentSource
from ledger.errors import DuplicateReference, InvalidAmount, LedgerError
from ledger.events import PaymentReachedStudent, raise_event
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

    # Not post_for_student: the receipt may have no student (suspense), and the Payment row, the early
    # discount and the event belong in the same savepoint as the entry.
    def post() -> Entry:
        clearing = get_account(session, school_id, CLEARING_FOR_SOURCE[received.source])
        if student is None:
            credit_legs = [Leg(get_account(session, school_id, AccountKind.SUSPENSE), credit=received.amount)]
            kind, memo = EntryKind.SUSPENSE_RECEIPT, f"Unmatched {METHOD[received.source]} {reference}"
        else:
            lock_student(session, student.id)
            credit_legs = allocation_legs(session, student, received.amount)
            kind, memo = EntryKind.PAYMENT, f"{METHOD[received.source]} payment {reference}"
        entry = post_entry(
            session,
            school_id=school_id,
            kind=kind,
            legs=[Leg(clearing, debit=received.amount), *credit_legs],
            key=key,
            body=body,
            memo=memo,
            effective_on=received.received_on,
            actor=actor,
            student_id=student.id if student else None,
        )
        payment = Payment(
            school_id=school_id,
            entry_id=entry.id,
            source=received.source,
            reference=reference,
            amount=received.amount,
            student_id=student.id if student else None,
            account_text=received.account_text,
            payer=received.payer,
            received_on=received.received_on,
            receipt_no=next_receipt_number(session, _school(session, school_id), received.received_on.year),
        )
        session.add(payment)
        session.flush()
        if student is not None:
            grant_early_discounts(session, student, received.received_on, actor=actor)
            raise_event(session, PaymentReachedStudent(payment.id, now or dt.datetime.now(dt.UTC), notify))
        return entry

    entry, created = once(session, school_id, key, body, post)
    payment = session.scalars(select(Payment).where(Payment.entry_id == entry.id)).one_or_none()
    if payment is None and entry.kind == EntryKind.PAYMENT:  # a correction put it back in suspense since
        payment = session.scalars(
            select(Payment).where(Payment.school_id == school_id, Payment.reference == reference)
        ).one_or_none()
    if payment is None:
        raise DuplicateReference(f"reference {reference} is already used by another entry")
    return payment, created


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
