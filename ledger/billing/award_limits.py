"""What an award may be worth: its terms (a fixed amount or a percentage), the term's fees it is taken
from, and how much of them the student's other standing awards leave (awards never pass the fees)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.billing.fee_rules import WHOLE, percent_of
from ledger.billing.sponsor_tables import BursaryAward
from ledger.books.reversals import live_entries
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, Line
from ledger.errors import InvalidAmount, LedgerError
from ledger.money import kes
from ledger.records.tables import FeeItem, Student, Term, VoteHead


class InvalidAward(LedgerError):
    """An award that cannot be made: beyond the term's fees, on a vote head the student is not charged..."""


@dataclass(frozen=True)
class AwardTerms:
    """What is awarded: exactly one of ``amount`` (cents) and ``percent_bp`` (1% = 100)."""

    amount: int | None = None
    percent_bp: int | None = None
    vote_head: VoteHead | None = None
    conditional: bool = False
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def check(self) -> None:
        if (self.amount is None) == (self.percent_bp is None):
            raise InvalidAward("an award is a fixed amount or a percentage, one of the two")
        if self.amount is not None and self.amount <= 0:
            raise InvalidAmount("a bursary must be more than zero")
        if self.percent_bp is not None and not 0 < self.percent_bp <= WHOLE:
            raise InvalidAward("a percentage must be more than 0% and at most 100%")
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise InvalidAward("the award's validity ends before it starts")

    def body(self) -> dict[str, object]:
        return {
            "amount": self.amount,
            "percent": self.percent_bp,
            "head": self.vote_head.id if self.vote_head else None,
            "conditional": self.conditional,
            "from": self.valid_from,
            "until": self.valid_until,
        }


def credited_amount(session: Session, award: BursaryAward) -> int:
    """What the award's entry took off (0 when not credited)."""
    if award.entry_id is None:
        return 0
    total = session.scalar(
        select(func.sum(Line.debit))
        .join(Account, Account.id == Line.account_id)
        .where(Line.entry_id == award.entry_id, Account.kind.in_((AccountKind.SPONSOR, AccountKind.BURSARY)))
    )
    return int(total or 0)


def term_fees(session: Session, student: Student, term: Term) -> dict[int, int]:
    """The term's fees per vote head id: what the live invoice charged, or before invoicing the class's
    fee structure."""
    invoiced = _invoiced_by_head(session, student, term)
    if invoiced:
        return invoiced
    items = session.scalars(
        select(FeeItem).where(FeeItem.term_id == term.id, FeeItem.class_id == student.class_id)
    )
    return {item.vote_head_id: item.amount for item in items if item.amount > 0}


def _invoiced_by_head(session: Session, student: Student, term: Term) -> dict[int, int]:
    invoices = [e.id for e in live_entries(session, student.id, term.id, EntryKind.INVOICE)]
    if not invoices:
        return {}
    rows = session.execute(
        select(Account.vote_head_id, func.sum(Line.debit))
        .join(Line, Line.account_id == Account.id)
        .where(
            Line.entry_id.in_(invoices),
            Account.kind == AccountKind.RECEIVABLE,
            Account.term_id == term.id,
            Line.debit > 0,
        )
        .group_by(Account.vote_head_id)
    )
    return {head_id: int(total) for head_id, total in rows if head_id is not None}


def award_value(session: Session, award: BursaryAward) -> int:
    """What the award is worth now: its credit when credited, else its amount or its share of the fees."""
    if award.entry_id is not None:
        return credited_amount(session, award)
    if award.amount is not None:
        return award.amount
    student = session.get_one(Student, award.student_id)
    fees = term_fees(session, student, session.get_one(Term, award.term_id))
    base = fees.get(award.vote_head_id, 0) if award.vote_head_id else sum(fees.values())
    return percent_of(base, award.percent_bp or 0)


def standing_awards(session: Session, student: Student, term: Term) -> list[BursaryAward]:
    awards = session.scalars(
        select(BursaryAward).where(
            BursaryAward.student_id == student.id,
            BursaryAward.term_id == term.id,
            BursaryAward.withdrawn_on.is_(None),
        )
    )
    return [a for a in awards if a.entry_id is None or not entry_reversed(session, a.entry_id)]


def award_room(session: Session, student: Student, term: Term, award: BursaryAward) -> int:
    """How much of the award's scope (the term, or its head) other standing awards leave uncovered."""
    fees = term_fees(session, student, term)
    others = [a for a in standing_awards(session, student, term) if a.id != award.id]
    room = sum(fees.values()) - sum(award_value(session, a) for a in others)
    if award.vote_head_id is not None:
        on_head = [a for a in others if a.vote_head_id == award.vote_head_id]
        room = min(room, fees.get(award.vote_head_id, 0) - sum(award_value(session, a) for a in on_head))
    return room


def value_andaward_room(session: Session, student: Student, term: Term, terms: AwardTerms) -> tuple[int, int]:
    """What an award of ``terms`` would be worth, and how much its scope has left to award; or
    InvalidAward when the term has no such fees for the student."""
    fees = term_fees(session, student, term)
    if not fees:
        raise InvalidAward(f"term {term.code} has no fees for {student.admission_no}'s class yet")
    head = terms.vote_head
    if head is not None and head.id not in fees:
        raise InvalidAward(f"{student.admission_no} is not charged {head.name} in term {term.code}")
    probe = BursaryAward(
        id=0,
        student_id=student.id,
        term_id=term.id,
        amount=terms.amount,
        percent_bp=terms.percent_bp,
        vote_head_id=head.id if head else None,
    )
    return award_value(session, probe), award_room(session, student, term, probe)


def check_within_fees(
    session: Session, student: Student, term: Term, terms: AwardTerms, taken: int = 0
) -> int:
    """Refuse an award beyond what its scope has left (less ``taken`` by a file's earlier rows); its value."""
    value, room = value_andaward_room(session, student, term, terms)
    room -= taken
    head = terms.vote_head
    if value > room:
        scope = head.name if head else "fees"
        raise InvalidAward(
            f"{kes(value, always_cents=True)} is more than the term {term.code} {scope} left to award "
            f"({kes(max(room, 0), always_cents=True)})"
        )
    return value


def entry_reversed(session: Session, entry_id: int) -> bool:
    return session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id)) is not None
