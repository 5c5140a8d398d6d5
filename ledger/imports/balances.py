"""Opening balances from the school's old books: positive is owed, negative is credit carried forward."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.billing.credits import OPENING_VOTE_HEAD, post_opening_balance
from ledger.books.tables import Account, Entry, EntryKind, Line
from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import amount_cents
from ledger.imports.lookups import known_student, students_by_key
from ledger.money import kes
from ledger.records.tables import Student, Term, VoteHead
from ledger.records.terms import current_or_new_term

# Old arrears are paid before any of this term's fees.
OPENING_PRIORITY = 0


@dataclass(frozen=True)
class History:
    """A student's opening balances so far: the one standing (None if none) and how many were posted."""

    standing: int | None
    posted: int


@dataclass(frozen=True)
class BalancePlan:
    student: Student
    amount: int
    history: History


class BalancesImport(Importer[BalancePlan]):
    """One opening balance per student, posted once; a different amount later must be reversed first."""

    required = ("admission_no", "amount")

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        self.histories = opening_histories(ctx.session, ctx.school.id)
        self.lines_by_student: dict[int, int] = {}
        self.term: Term | None = None
        self.head: VoteHead | None = None

    def check(self, row: Row) -> BalancePlan:
        student = known_student(row, self.students)
        earlier = self.lines_by_student.setdefault(student.id, row.line)
        if earlier != row.line:
            raise BadRow(f"admission number {student.admission_no} is also on line {earlier}")
        amount = amount_cents(row.get("amount"))
        history = self.histories.get(student.id, History(None, 0))
        if history.standing is not None and history.standing != amount:
            standing = kes(history.standing, always_cents=True)
            raise BadRow(
                f"{student.admission_no} already has an opening balance of {standing}; reverse it first"
            )
        return BalancePlan(student, amount, history)

    def apply(self, plan: BalancePlan) -> RowChange:
        if plan.amount == 0 or plan.history.standing is not None:
            return RowChange.UNCHANGED
        # The first opening balance has the plain key; one posted after a reversal needs a fresh key.
        key = f"opening:s{plan.student.id}"
        if plan.history.posted:
            key += f":{plan.history.posted + 1}"
        term, head = self._term_and_head()
        post_opening_balance(
            self.ctx.session, plan.student, plan.amount, term, head, key=key, actor=self.ctx.actor
        )
        return RowChange.CREATED

    def _term_and_head(self) -> tuple[Term, VoteHead]:
        if self.term is None:
            self.term = current_or_new_term(self.ctx.session, self.ctx.school.id, self.ctx.today)
        if self.head is None:
            self.head = opening_vote_head(self.ctx.session, self.ctx.school.id)
        return self.term, self.head


def opening_vote_head(session: Session, school_id: int) -> VoteHead:
    """The vote head opening balances are owed on, made on first use with the first priority."""
    head = session.scalars(
        select(VoteHead).where(VoteHead.school_id == school_id, VoteHead.name == OPENING_VOTE_HEAD)
    ).one_or_none()
    if head is None:
        head = VoteHead(school_id=school_id, name=OPENING_VOTE_HEAD, priority=OPENING_PRIORITY)
        session.add(head)
        session.flush()
    return head


def opening_histories(session: Session, school_id: int) -> dict[int, History]:
    """Every student's opening balances in the school, from the journal: amounts and reversals."""
    reversed_ids = set(
        session.scalars(
            select(Entry.reverses_id).where(Entry.school_id == school_id, Entry.reverses_id.is_not(None))
        )
    )
    amounts = session.execute(
        select(Entry.student_id, Entry.id, func.sum(Line.debit - Line.credit))
        .join(Line, Line.entry_id == Entry.id)
        .join(Account, Account.id == Line.account_id)
        .where(
            Entry.school_id == school_id,
            Entry.kind == EntryKind.OPENING_BALANCE,
            Account.student_id == Entry.student_id,
        )
        .group_by(Entry.student_id, Entry.id)
    )
    histories: dict[int, History] = {}
    for student_id, entry_id, amount in amounts:
        if student_id is None:
            continue
        before = histories.get(student_id, History(None, 0))
        standing = before.standing if entry_id in reversed_ids else int(amount)
        histories[student_id] = History(standing, before.posted + 1)
    return histories
