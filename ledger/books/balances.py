"""What a family owes: a student's balance, in total and per vote head, from cached account balances.

Reading a balance touches only the student's own accounts (a handful of rows), so it stays as fast with
a history of 100,000 entries as with 10. ``ledger.books.checks`` proves the cache equals the sum of lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ledger.books.tables import Account, AccountKind
from ledger.db import read_rows
from ledger.records.refs import student_ref
from ledger.records.tables import Student, Term, VoteHead
from ledger.types import Balance, StudentRef, VoteHeadBalance

# Built once, read as Core rows: a parent's balance is the commonest read on a phone (bench/README "USSD").
BALANCE_ROWS = (
    select(Account.kind, Account.balance, VoteHead.name, VoteHead.priority, Term.due_on)
    .outerjoin(VoteHead, VoteHead.id == Account.vote_head_id)
    .outerjoin(Term, Term.id == Account.term_id)
    .where(Account.student_id == bindparam("student_id"))
)
TOTAL_OWED = select(func.coalesce(func.sum(Account.balance), 0)).where(
    Account.student_id == bindparam("student_id")
)


def student_balance(session: Session, student: Student) -> Balance:
    """The student's balance now: positive owed, negative credit carried forward."""
    return balance_of(session, student_ref(session, student))


def balance_of(session: Session, child: StudentRef) -> Balance:
    """``student_balance`` for a student already read as a reference (a parent's phone reads it so)."""
    rows = read_rows(session, BALANCE_ROWS, {"student_id": child.id}).all()
    per_head: dict[tuple[int, str], int] = defaultdict(int)
    credit = 0
    due_dates: list[dt.date] = []
    for kind, balance, head, priority, due_on in rows:
        if kind == AccountKind.CREDIT:
            credit += balance
        else:
            per_head[(priority, head)] += balance
            if balance > 0:
                due_dates.append(due_on)
    heads = tuple(VoteHeadBalance(name, owed) for (_, name), owed in sorted(per_head.items()) if owed)
    total = sum(balance for _, balance, *_ in rows)
    return Balance(
        student=child,
        total=total,
        by_vote_head=heads,
        credit=max(0, -credit),
        due_on=min(due_dates) if due_dates else None,
    )


def total_owed(session: Session, student_id: int) -> int:
    """Just the number: what the student's family owes now (negative = credit)."""
    return int(read_rows(session, TOTAL_OWED, {"student_id": student_id}).scalar_one())
