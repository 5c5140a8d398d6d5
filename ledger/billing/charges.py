"""One-off charges (an admission fee, a uniform, a broken window) to one student or a whole class.

Each is a balanced entry per student, Dr the student's receivable for the term and vote head / Cr that
vote head's income, posted once per key: the same key and charge returns the first entry, the same key
for another charge is refused. A class charge posts one entry per active student under ``key:s<id>``,
so a retry of the whole run posts nothing twice and a student who joins the class later is not charged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books.accounts import get_account, receivable_account
from ledger.books.journal import Leg
from ledger.books.posting import post_for_student
from ledger.books.tables import AccountKind, Entry, EntryKind
from ledger.errors import InvalidAmount, LedgerError
from ledger.records.tables import SchoolClass, Student, Term, VoteHead

MEMO_LENGTH = 120


@dataclass(frozen=True)
class Charge:
    """What to charge: ``amount`` cents to ``head`` for ``term``, described by ``memo``."""

    term: Term
    head: VoteHead
    amount: int
    memo: str
    on: dt.date


@dataclass(frozen=True)
class ChargeRun:
    charged: list[tuple[Student, Entry]]  # posted by this call
    already: list[tuple[Student, Entry]]  # posted before under the same key

    @property
    def total(self) -> int:
        return sum(_amount(entry) for _, entry in self.charged)


def check_charge(charge: Charge) -> None:
    if charge.amount <= 0:
        raise InvalidAmount("a charge must be more than zero")
    if not charge.memo.strip():
        raise LedgerError("a charge needs a memo saying what it is for")
    if len(charge.memo) > MEMO_LENGTH:
        raise LedgerError(f"the memo is longer than {MEMO_LENGTH} characters")


def charge_student(
    session: Session, student: Student, charge: Charge, *, key: str, actor: str
) -> tuple[Entry, bool]:
    """Charge one student, once per key; returns (entry, created)."""
    check_charge(charge)
    body = {
        "student": student.id,
        "term": charge.term.id,
        "head": charge.head.id,
        "amount": charge.amount,
        "memo": charge.memo,
    }

    def legs() -> list[Leg]:
        receivable = receivable_account(session, student, charge.term.id, charge.head.id)
        income = get_account(session, student.school_id, AccountKind.INCOME, vote_head_id=charge.head.id)
        return [Leg(receivable, debit=charge.amount), Leg(income, credit=charge.amount)]

    return post_for_student(
        session,
        student,
        kind=EntryKind.CHARGE,
        key=key,
        body=body,
        legs=legs,
        memo=charge.memo,
        effective_on=charge.on,
        actor=actor,
        term_id=charge.term.id,
    )


def charge_class(
    session: Session, school_class: SchoolClass, charge: Charge, *, key: str, actor: str
) -> ChargeRun:
    """Charge every active student of the class, each once (``key:s<student id>``)."""
    check_charge(charge)
    students = session.scalars(
        select(Student)
        .where(Student.class_id == school_class.id, Student.active.is_(True))
        .order_by(Student.id)
    )
    run = ChargeRun([], [])
    for student in students:
        entry, created = charge_student(session, student, charge, key=f"{key}:s{student.id}", actor=actor)
        (run.charged if created else run.already).append((student, entry))
    return run


def _amount(entry: Entry) -> int:
    return sum(line.credit for line in entry.lines if line.account.kind == AccountKind.INCOME)
