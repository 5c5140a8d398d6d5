"""A student's fees term by term: per vote head what was invoiced, what was paid (or credited: bursaries,
discounts) against it, and what is still owed, from the student's own term accounts and their lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.books.tables import Account, Line
from ledger.records.tables import Student, Term, VoteHead


@dataclass(frozen=True)
class TermFeeLine:
    vote_head: str
    invoiced: int  # cents charged to this head (debits)
    paid: int  # cents paid or credited against it (credits)
    balance: int  # still owed (negative: paid ahead)


@dataclass(frozen=True)
class TermFees:
    term: str  # YEAR-N
    due_on: dt.date
    lines: tuple[TermFeeLine, ...]  # by the school's vote-head priority

    @property
    def invoiced(self) -> int:
        return sum(line.invoiced for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(line.paid for line in self.lines)

    @property
    def balance(self) -> int:
        return sum(line.balance for line in self.lines)


def term_fees(session: Session, student: Student) -> list[TermFees]:
    """Every term the student has fee accounts in, newest first."""
    rows = session.execute(
        select(
            Term.year,
            Term.number,
            Term.due_on,
            VoteHead.name,
            VoteHead.priority,
            Account.balance,
            func.coalesce(func.sum(Line.debit), 0),
            func.coalesce(func.sum(Line.credit), 0),
        )
        .join(Term, Term.id == Account.term_id)
        .join(VoteHead, VoteHead.id == Account.vote_head_id)
        .outerjoin(Line, Line.account_id == Account.id)
        .where(Account.student_id == student.id)
        .group_by(Account.id, Term.year, Term.number, Term.due_on, VoteHead.name, VoteHead.priority)
    ).all()
    terms: dict[tuple[int, int], tuple[dt.date, list[tuple[int, TermFeeLine]]]] = {}
    for year, number, due_on, head, priority, balance, debits, credits in rows:
        _, lines = terms.setdefault((year, number), (due_on, []))
        lines.append((priority, TermFeeLine(head, int(debits), int(credits), balance)))
    return [
        TermFees(
            f"{year}-{number}",
            due_on,
            tuple(line for _, line in sorted(lines, key=lambda p: (p[0], p[1].vote_head))),
        )
        for (year, number), (due_on, lines) in sorted(terms.items(), reverse=True)
    ]
