"""The next term's notice: N days before a term opens, each family of a child who will be charged is told
when it opens, its fees, what the family owes now (or its credit) and the total due by the term's due date.

Its fees exist once the term has a fee structure for the child's class (compulsory items; an optional item
is billed on enrolment, usually at opening, so it is left out). The structure, not the invoice, is the test:
schools set next term's fees in the holidays but invoice on opening day, and a notice after invoicing would
be too late. A child invoiced early is counted by what its invoice still asks, so nothing is counted twice.

Sent once per family and term (a run after the notice day catches up, until the term opens), in the family's
language, like an invoice notice: to every family but one that stopped all messages, promise or plan aside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.books.tables import Account, AccountKind
from ledger.clock import school_day
from ledger.messaging.families import Family
from ledger.messaging.reminder_rows import Planned, Reminder, ReminderKind, Skipped
from ledger.messaging.reminder_texts import NextTerm, next_term_text
from ledger.records.parents import EVERYTHING
from ledger.records.tables import FeeItem, School, Student, Term


@dataclass(frozen=True)
class Notices:
    """What a run needs to tell families of one coming term, read at once."""

    school: School
    term: Term
    day: dt.date  # the notice day
    fees: dict[int, int]  # student who will be charged -> the term's fees for their class (cents)
    on_books: dict[int, int]  # student invoiced early -> what that invoice still asks (cents)
    told: dict[int, dt.date]  # guardian -> the day their notice was planned

    @classmethod
    def load(cls, session: Session, school: School, term: Term, day: dt.date) -> Notices:
        connection = session.connection()
        by_class = dict(
            connection.execute(
                select(FeeItem.class_id, func.sum(FeeItem.amount))
                .where(FeeItem.term_id == term.id, FeeItem.optional.is_(False))
                .group_by(FeeItem.class_id)
            ).all()
        )
        students = connection.execute(
            select(Student.id, Student.class_id).where(
                Student.school_id == school.id, Student.active.is_(True)
            )
        ).all()
        fees = {sid: int(by_class[cid]) for sid, cid in students if by_class.get(cid)}
        on_books = dict(
            connection.execute(
                select(Account.student_id, func.sum(Account.balance))
                .where(Account.term_id == term.id, Account.kind == AccountKind.RECEIVABLE)
                .group_by(Account.student_id)
            ).all()
        )
        told: dict[int, dt.date] = {}
        for guardian_id, planned_at in connection.execute(
            select(Reminder.guardian_id, Reminder.planned_at).where(
                Reminder.term_id == term.id, Reminder.kind == ReminderKind.NEXT_TERM
            )
        ):
            told[guardian_id] = school_day(planned_at)
        books = {sid: int(owed or 0) for sid, owed in on_books.items() if sid is not None}
        return cls(school, term, day, fees, books, told)

    def decide(self, family: Family, today: dt.date) -> Planned | Skipped | None:
        """The family's notice today; a reason it waits; or None when it has none to get (no child will be
        charged, or it was told already)."""
        charged = tuple(c for c in family.children if c.student_id in self.fees)
        if not charged or family.guardian_id in self.told:
            return None
        if EVERYTHING in family.opted_out:
            return Skipped(family, "stopped all messages")
        if today < self.day:
            return Skipped(family, f"next-term notice on {self.day.isoformat()}")
        notice = self.notice_for(family)
        text = next_term_text(family.language, self.school, [c.child for c in charged], notice)
        return Planned(
            family, ReminderKind.NEXT_TERM, self.term.id, self.day, charged, text, amount=notice.total
        )

    def notice_for(self, family: Family) -> NextTerm:
        balance = fees = due = 0
        for c in family.children:
            asked = self.on_books.get(c.student_id, 0)
            balance += c.child.owed - asked
            if c.student_id in self.fees:
                fees += self.fees[c.student_id]
                due += asked if c.student_id in self.on_books else self.fees[c.student_id]
        term = self.term
        return NextTerm(term.number, term.starts_on, term.due_on, fees, balance, max(balance + due, 0))
