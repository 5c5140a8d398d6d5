"""How money paid to a student is spread over what they owe: oldest term first, then vote-head priority."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ledger.books.accounts import get_account
from ledger.books.journal import Leg
from ledger.books.tables import CHARGE_KINDS, Account, AccountKind, Entry, Line
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
    return paying_legs(session, student, amount, StudentBooks(owed=receivables(session, student.id)))


@dataclass
class StudentBooks:
    """A student's accounts as read under their row lock, with the school's accounts asked for by key."""

    owed: list[Owed] = field(default_factory=list)  # every receivable and what it owes (zero or less too)
    credit: Account | None = None  # credit carried forward, when it was ever opened
    owed_total: int = 0  # what the family owes now: every one of the student's accounts summed
    by_key: dict[str, Account] = field(default_factory=dict)  # the school accounts asked for that exist


def books_of(session: Session, student: Student, keys: Sequence[str] = ()) -> StudentBooks:
    """``receivables`` with the student's other accounts and the school accounts named by ``keys`` (a
    payment's clearing account), in one query: what posting money to them needs. The caller holds the
    student's lock (``lock_student``, or ``ledger.books.journal.claim_entry``)."""
    query = (
        select(Account, Term.year, Term.number, VoteHead.priority, VoteHead.name)
        .outerjoin(Term, Term.id == Account.term_id)
        .outerjoin(VoteHead, VoteHead.id == Account.vote_head_id)
        .where(
            or_(
                Account.student_id == student.id,
                and_(Account.school_id == student.school_id, Account.key.in_(keys)),
            )
        )
    )
    # populate_existing: a balance cached in this session may be older than the row we now hold locked.
    rows = session.execute(query.execution_options(populate_existing=True))
    books = StudentBooks()
    for account, year, number, priority, name in rows:
        if account.key in keys:
            books.by_key[account.key] = account
        if account.student_id != student.id:
            continue
        books.owed_total += account.balance
        if account.kind == AccountKind.RECEIVABLE and name is not None:
            books.owed.append(Owed(account, (year, number), priority, name, account.balance))
        elif account.kind == AccountKind.CREDIT:
            books.credit = account
    return books


def paying_legs(session: Session, student: Student, amount: int, books: StudentBooks) -> list[Leg]:
    """``allocation_legs`` from books read under the student's lock (the credit account opened if need be)."""
    shares, left = allocate(amount, [owed for owed in books.owed if owed.amount > 0])
    legs = [Leg(owed.account, credit=share) for owed, share in shares]
    if left:
        credit = books.credit or get_account(
            session, student.school_id, AccountKind.CREDIT, student_id=student.id
        )
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
    # Credit taken back that was already spent (a payment reversed after its credit paid fees): the fees
    # it paid are owed again, latest paid first, never beyond what each vote head was charged.
    overdrawn = credit_account.balance + delta[credit_account.id] - swept + used
    if overdrawn > 0:
        legs.append(Leg(credit_account, credit=overdrawn))
        legs += _unpaid(session, after, overdrawn)
    return legs


def _unpaid(session: Session, after: Sequence[tuple[Owed, int]], amount: int) -> list[Leg]:
    """Debit legs owing ``amount`` again on the vote heads paid last (allocation order reversed), each at
    most what it was charged less what it still owes."""
    charged = _charged(session, [owed.account.id for owed, _ in after])
    legs, left = [], amount
    order = sorted(after, key=lambda a: (a[0].term_order, a[0].priority, a[0].vote_head, a[0].account.id))
    for owed, balance in reversed(order):
        room = min(left, charged.get(owed.account.id, 0) - max(balance, 0))
        if room > 0:
            legs.append(Leg(owed.account, debit=room))
            left -= room
    if left and order:  # charges this rule cannot see (a reversal's own rebalancing): owed on the last head
        legs.append(Leg(order[-1][0].account, debit=left))
    return legs


def _charged(session: Session, account_ids: Sequence[int]) -> dict[int, int]:
    """What each receivable was charged: the debits of charges, less the credits of their reversals (not
    the credits inside a charge, which are credit it used)."""
    undone = aliased(Entry)
    charged = func.sum(case((undone.id.is_(None), Line.debit), else_=-Line.credit))
    rows = session.execute(
        select(Line.account_id, charged)
        .join(Entry, Entry.id == Line.entry_id)
        .outerjoin(undone, undone.id == Entry.reverses_id)
        .where(Line.account_id.in_(account_ids), func.coalesce(undone.kind, Entry.kind).in_(CHARGE_KINDS))
        .group_by(Line.account_id)
    )
    return {account_id: int(total or 0) for account_id, total in rows}


def lock_student(session: Session, student_id: int) -> Student:
    """Serialise postings for one student (PostgreSQL row lock; SQLite writers are serial already)."""
    return session.scalars(select(Student).where(Student.id == student_id).with_for_update(of=Student)).one()
