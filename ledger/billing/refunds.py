"""Credit paid back: a refund of a student's credit to the family, or the credit moved to a sibling.

A refund is one entry (Dr the student's credit account / Cr the clearing account the money left by: cash,
bank for a bank transfer or a cheque, M-Pesa), keyed by its method and reference, never more than the
credit. A move to a sibling (a student sharing a guardian in the same school) is a pair of entries, one on
each student's statement, through the school's transfer account (which the pair leaves at zero); the
sibling's credit then pays what they owe, oldest first, as any credit does.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.books.accounts import get_account
from ledger.books.allocation import lock_student, rebalancing_legs
from ledger.books.journal import Leg, once, post_entry
from ledger.books.posting import post_for_student
from ledger.books.tables import Account, AccountKind, Entry, EntryKind
from ledger.errors import InvalidAmount, LedgerError
from ledger.money import kes
from ledger.records.tables import Student, StudentGuardian


class RefundMethod(enum.StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"
    BANK = "bank"
    MPESA = "mpesa"


CLEARING = {
    RefundMethod.CASH: AccountKind.CASH,
    RefundMethod.CHEQUE: AccountKind.BANK,
    RefundMethod.BANK: AccountKind.BANK,
    RefundMethod.MPESA: AccountKind.MPESA,
}
METHOD_NAMES = {
    RefundMethod.CASH: "cash",
    RefundMethod.CHEQUE: "cheque",
    RefundMethod.BANK: "bank transfer",
    RefundMethod.MPESA: "M-Pesa",
}
REFERENCE_LENGTH = 30


class NotSiblings(LedgerError):
    """A credit may move only to a student sharing a guardian in the same school."""


@dataclass(frozen=True)
class Refund:
    method: RefundMethod
    reference: str  # the cheque number, bank or M-Pesa transaction id, or cash voucher number
    amount: int  # cents
    on: dt.date


def credit_of(session: Session, student: Student) -> int:
    """The student's credit now (cents, >= 0): money paid ahead that nothing owed has used."""
    account = session.scalars(
        select(Account)
        .where(Account.student_id == student.id, Account.kind == AccountKind.CREDIT)
        .execution_options(populate_existing=True)
    ).one_or_none()
    return max(0, -account.balance) if account is not None else 0


def normal_reference(text: str) -> str:
    """The reference as it is keyed: spaces squeezed, upper case; refused when empty or too long."""
    reference = " ".join(text.split()).upper()
    if not reference:
        raise LedgerError("give the refund's reference (cheque number, transaction id or voucher number)")
    if len(reference) > REFERENCE_LENGTH:
        raise LedgerError(f"the reference is longer than {REFERENCE_LENGTH} characters")
    return reference


def refund_credit(session: Session, student: Student, refund: Refund, *, actor: str) -> tuple[Entry, bool]:
    """Pay back part or all of the student's credit, once per student, method and reference; returns
    (entry, created). More than the credit is refused (InvalidAmount), as is the reference reused for
    another refund (IdempotencyConflict)."""
    if refund.amount <= 0:
        raise InvalidAmount("a refund must be more than zero")
    reference = normal_reference(refund.reference)
    key = f"refund:s{student.id}:{refund.method.value}:{reference}"
    body = {"student": student.id, "amount": refund.amount, "method": refund.method.value, "on": refund.on}

    def legs() -> list[Leg]:
        # Read after the lock: two refunds racing cannot both spend the same credit.
        _refuse_beyond_credit(session, student, refund.amount)
        credit = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
        clearing = get_account(session, student.school_id, CLEARING[refund.method])
        return [Leg(credit, debit=refund.amount), Leg(clearing, credit=refund.amount)]

    return post_for_student(
        session,
        student,
        kind=EntryKind.REFUND,
        key=key,
        body=body,
        legs=legs,
        memo=f"Credit refunded by {METHOD_NAMES[refund.method]}, ref {reference}",
        effective_on=refund.on,
        actor=actor,
    )


def _refuse_beyond_credit(session: Session, student: Student, amount: int) -> None:
    available = credit_of(session, student)
    if amount > available:
        raise InvalidAmount(
            f"{kes(amount, always_cents=True)} is more than {student.admission_no}'s credit "
            f"({kes(available, always_cents=True)})"
        )


def siblings_of(session: Session, student: Student) -> list[Student]:
    """Other students of the same school sharing a guardian with ``student`` (leavers too), by name."""
    theirs = aliased(StudentGuardian)
    guardians = select(StudentGuardian.guardian_id).where(StudentGuardian.student_id == student.id)
    query = (
        select(Student)
        .join(theirs, theirs.student_id == Student.id)
        .where(
            theirs.guardian_id.in_(guardians),
            Student.school_id == student.school_id,
            Student.id != student.id,
        )
        .distinct()
        .order_by(Student.name, Student.id)
    )
    return list(session.scalars(query))


def move_credit(
    session: Session, giver: Student, receiver: Student, amount: int, *, key: str, on: dt.date, actor: str
) -> tuple[Entry, bool]:
    """Move ``amount`` of ``giver``'s credit to a sibling, once per ``key``; returns (the giver's entry,
    created). The receiver's entry uses the credit for what they owe; the rest stays their credit."""
    if amount <= 0:
        raise InvalidAmount("a credit moved must be more than zero")
    if receiver.id not in {s.id for s in siblings_of(session, giver)}:
        raise NotSiblings(f"{receiver.admission_no} does not share a guardian with {giver.admission_no}")
    body = {"from": giver.id, "to": receiver.id, "amount": amount, "on": on}

    def post() -> Entry:
        # Both students locked in id order, so two moves between the same pair cannot deadlock.
        for student in sorted((giver, receiver), key=lambda s: s.id):
            lock_student(session, student.id)
        _refuse_beyond_credit(session, giver, amount)
        transfer = get_account(session, giver.school_id, AccountKind.TRANSFER)
        given = [Leg(_credit(session, giver), debit=amount), Leg(transfer, credit=amount)]
        taken = [Leg(transfer, debit=amount), Leg(_credit(session, receiver), credit=amount)]
        out = _post_half(giver, given, f"Credit moved to {receiver.name} ({receiver.admission_no})")
        _post_half(receiver, taken, f"Credit moved from {giver.name} ({giver.admission_no})")
        return out

    def _post_half(student: Student, legs: list[Leg], memo: str) -> Entry:
        half = "out" if student is giver else "in"
        return post_entry(
            session,
            school_id=student.school_id,
            kind=EntryKind.CREDIT_TRANSFER,
            legs=legs + rebalancing_legs(session, student, legs),
            key=f"{key}:{half}",
            body=body,
            memo=memo,
            effective_on=on,
            actor=actor,
            student_id=student.id,
        )

    return once(session, giver.school_id, f"{key}:out", body, post)


def _credit(session: Session, student: Student) -> Account:
    return get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
