"""How money paid to a student is spread over what they owe: oldest term first, then vote-head priority."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books.accounts import get_account
from ledger.books.journal import Leg
from ledger.books.tables import Account, AccountKind
from ledger.records.tables import Student, Term, VoteHead


@dataclass(frozen=True)
class Owed:
    account: Account
    term_order: tuple[int, int]
    priority: int
    vote_head: str
    amount: int


def allocate(amount: int, owed: Sequence[Owed]) -> tuple[list[tuple[Owed, int]], int]:
    """Split ``amount`` over ``owed`` in order; returns the shares and what is left over (credit)."""
    shares: list[tuple[Owed, int]] = []
    left = amount
    for item in sorted(owed, key=lambda o: (o.term_order, o.priority, o.vote_head, o.account.id)):
        if left <= 0:
            break
        share = min(left, item.amount)
        if share > 0:
            shares.append((item, share))
            left -= share
    return shares, left


def receivables(session: Session, student_id: int, vote_head_ids: Sequence[int] | None = None) -> list[Owed]:
    """The student's receivable accounts with their current (cached) balances."""
    query = (
        select(Account, Term.year, Term.number, VoteHead.priority, VoteHead.name)
        .join(Term, Term.id == Account.term_id)
        .join(VoteHead, VoteHead.id == Account.vote_head_id)
        .where(Account.student_id == student_id, Account.kind == AccountKind.RECEIVABLE)
    )
    if vote_head_ids is not None:
        query = query.where(Account.vote_head_id.in_(vote_head_ids))
    # populate_existing: a balance cached in this session may be older than the row we now hold locked.
    rows = session.execute(query.execution_options(populate_existing=True))
    return [
        Owed(account, (year, number), priority, name, account.balance)
        for account, year, number, priority, name in rows
    ]


def outstanding(session: Session, student_id: int, vote_head_ids: Sequence[int] | None = None) -> list[Owed]:
    """The student's receivables that still owe something."""
    return [owed for owed in receivables(session, student_id, vote_head_ids) if owed.amount > 0]


def allocation_legs(session: Session, student: Student, amount: int) -> list[Leg]:
    """Credit legs that pay off the student's receivables in order, the rest as credit carried forward."""
    shares, left = allocate(amount, outstanding(session, student.id))
    legs = [Leg(owed.account, credit=share) for owed, share in shares]
    if left:
        credit = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
        legs.append(Leg(credit, credit=left))
    return legs


def rebalancing_legs(session: Session, student: Student, pending: Sequence[Leg]) -> list[Leg]:
    """Legs to add to an entry so that, once it is posted, no vote head is paid beyond what it owes
    (the excess becomes credit) and no credit sits idle while anything is owed (it pays oldest first).
    """
    delta: dict[int, int] = defaultdict(int)
    for leg in pending:
        delta[leg.account.id] += leg.debit - leg.credit
    credit_account = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
    after = [(owed, owed.amount + delta[owed.account.id]) for owed in receivables(session, student.id)]
    legs = [Leg(owed.account, debit=-balance) for owed, balance in after if balance < 0]
    swept = sum(leg.debit for leg in legs)
    if swept:
        legs.append(Leg(credit_account, credit=swept))
    available = -(credit_account.balance + delta[credit_account.id]) + swept
    still_owed = [Owed(o.account, o.term_order, o.priority, o.vote_head, bal) for o, bal in after if bal > 0]
    shares, _ = allocate(max(available, 0), still_owed)
    used = sum(share for _, share in shares)
    if used:
        legs.append(Leg(credit_account, debit=used))
        legs += [Leg(owed.account, credit=share) for owed, share in shares]
    return legs


def lock_student(session: Session, student_id: int) -> Student:
    """Serialise postings for one student (PostgreSQL row lock; SQLite writers are serial already)."""
    return session.scalars(select(Student).where(Student.id == student_id).with_for_update(of=Student)).one()
