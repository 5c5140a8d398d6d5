"""How money paid to a student is spread over what they owe: oldest term first, then vote-head priority."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.journal_tables import Account, AccountKind
from ledger.records import Student, Term, VoteHead


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


def outstanding(session: Session, student_id: int, vote_head_ids: Sequence[int] | None = None) -> list[Owed]:
    """The student's receivables that still owe something, from the cached balances."""
    query = (
        select(Account, Term.year, Term.number, VoteHead.priority, VoteHead.name)
        .join(Term, Term.id == Account.term_id)
        .join(VoteHead, VoteHead.id == Account.vote_head_id)
        .where(Account.student_id == student_id, Account.kind == AccountKind.RECEIVABLE, Account.balance > 0)
    )
    if vote_head_ids is not None:
        query = query.where(Account.vote_head_id.in_(vote_head_ids))
    rows = session.execute(query.execution_options(populate_existing=True))
    return [
        Owed(account, (year, number), priority, name, account.balance)
        for account, year, number, priority, name in rows
    ]


def lock_student(session: Session, student_id: int) -> Student:
    """Serialise postings for one student (PostgreSQL row lock; SQLite writers are serial already)."""
    return session.scalars(select(Student).where(Student.id == student_id).with_for_update(of=Student)).one()
