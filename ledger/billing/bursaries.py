"""Bursaries, sponsorships, scholarships and waivers: a sponsor's award to a student for a term.

An award is a fixed amount or a percentage (integer basis points, rounded half-up to the cent) of what
the term invoiced, or of one vote head's fees. It is credited as one BURSARY entry: Dr the sponsor's
account (the school's bursary account for its own waivers), Cr the term's receivables in the school's
vote-head order (only the named head when one is named); what the term no longer owes (the family paid
it already) pays what else is owed, oldest first, then is carried forward as credit.

It is credited when it is due: at once if the term is invoiced, else when it is (``credit_awards_due``,
called by invoicing); a conditional award (a pledge) only once confirmed; and only on a day within its
validity dates. The awards of a term may not come to more than its fees (or the head's). Each award is
kept under an idempotency key (same key and request: the first award; another request: refused). A
credited award is undone by reversing its entry (``ledger.books.reversals``); one not yet credited is
withdrawn. Either way the same award may then be made again (``fresh_award_key``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.billing.fee_rules import WHOLE, percent_of, percent_text
from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorKind
from ledger.books.accounts import get_account
from ledger.books.allocation import Owed, allocate, lock_student, outstanding
from ledger.books.journal import Leg, body_hash, once, post_entry
from ledger.books.reversals import live_entries
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, Line
from ledger.errors import IdempotencyConflict, InvalidAmount, LedgerError
from ledger.events import BursaryCredited, raise_event
from ledger.money import kes
from ledger.records.tables import FeeItem, Student, Term, VoteHead

ENTRY_KEY = "bursary-award:"


class InvalidAward(LedgerError):
    """An award that cannot be made: beyond the term's fees, on a vote head the student is not charged..."""


class AwardState(enum.StrEnum):
    CREDITED = "credited"
    REVERSED = "reversed"
    PLEDGED = "pledged"  # conditional, not confirmed yet
    AWAITING_INVOICE = "awaiting invoice"
    NOT_YET_VALID = "not yet valid"
    LAPSED = "lapsed"  # its last valid day passed before it was credited
    WITHDRAWN = "withdrawn"


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


def award_bursary(
    session: Session,
    student: Student,
    term: Term,
    sponsor: Sponsor,
    terms: AwardTerms,
    *,
    key: str,
    actor: str,
    on: dt.date,
    at: dt.datetime | None = None,
) -> tuple[BursaryAward, bool]:
    """Make the award (once per key) and credit it if it is due on ``on``; returns (award, made).
    With ``at`` (now), the family is told when it is credited."""
    terms.check()
    body = {"student": student.id, "term": term.id, "sponsor": sponsor.id, **terms.body()}
    existing = _award_by_key(session, student.school_id, key, body)
    if existing is not None:
        return existing, False
    lock_student(session, student.id)
    check_within_fees(session, student, term, terms)
    award = BursaryAward(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        sponsor_id=sponsor.id,
        amount=terms.amount,
        percent_bp=terms.percent_bp,
        vote_head_id=terms.vote_head.id if terms.vote_head else None,
        conditional=terms.conditional,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        key=key,
        body_hash=body_hash(body),
        created_by=actor[:80],
    )
    try:
        with session.begin_nested():
            session.add(award)
            session.flush()
    except IntegrityError:  # a concurrent request under the same key won
        won = _award_by_key(session, student.school_id, key, body)
        if won is None:
            raise
        return won, False
    credit_award(session, award, on=on, actor=actor, at=at)
    return award, True


def request_key(student: Student, term: Term, sponsor: Sponsor, terms: AwardTerms) -> str:
    """The key of an award asked for by its content (a command, an import row): the same request twice
    is one award."""
    return f"bursary:s{student.id}:t{term.id}:p{sponsor.id}:{body_hash(terms.body())[:16]}"


def standing_award(session: Session, school_id: int, key: str) -> BursaryAward | None:
    """The award under ``fresh_award_key(key)``, if one stands there (not undone)."""
    return _award_with_key(session, school_id, fresh_award_key(session, school_id, key))


def fresh_award_key(session: Session, school_id: int, base: str) -> str:
    """``base``, or ``base#n`` once the awards under the earlier keys were reversed or withdrawn: the same
    request made again after an undo is a new award, while a plain retry finds the standing one."""
    key, n = base, 0
    while (award := _award_with_key(session, school_id, key)) is not None and _undone(session, award):
        n += 1
        key = f"{base}#{n}"
    return key


def credit_award(
    session: Session, award: BursaryAward, *, on: dt.date, actor: str, at: dt.datetime | None = None
) -> Entry | None:
    """Post the award's credit if it is due on ``on`` (see the module); the entry, or None. With ``at``
    (now), a BursaryCredited event tells the family."""
    if award.entry_id is not None or _waiting(session, award, on) is not None:
        return None
    student = session.get_one(Student, award.student_id)
    term = session.get_one(Term, award.term_id)
    sponsor = session.get_one(Sponsor, award.sponsor_id)
    key = f"{ENTRY_KEY}{award.id}"
    body = {"award": award.id}

    def post() -> Entry:
        lock_student(session, student.id)
        amount = min(award_value(session, award), _room(session, student, term, award))
        if amount <= 0:
            raise InvalidAward(f"the term {term.code} fees are covered by other awards already")
        payer = _payer_account(session, sponsor)
        legs = [Leg(payer, debit=amount)] + _credit_legs(session, student, term, award.vote_head_id, amount)
        return post_entry(
            session,
            school_id=student.school_id,
            kind=EntryKind.BURSARY,
            legs=legs,
            key=key,
            body=body,
            memo=award_memo(session, award, sponsor),
            effective_on=on,
            actor=actor,
            student_id=student.id,
            term_id=term.id,
        )

    entry, created = once(session, student.school_id, key, body, post)
    award.entry_id = entry.id
    session.flush()
    if created and at is not None:
        raise_event(session, BursaryCredited(award.id, at))
    return entry


def confirm_award(
    session: Session, award: BursaryAward, *, on: dt.date, actor: str, at: dt.datetime | None = None
) -> Entry | None:
    """A conditional award's sponsor confirmed it: credit it now if it is due (else it waits, confirmed)."""
    if award.withdrawn_on is not None:
        raise InvalidAward("that award was withdrawn")
    if award.confirmed_on is None:
        award.confirmed_on = on
        session.flush()
    return credit_award(session, award, on=on, actor=actor, at=at)


def withdraw_award(session: Session, award: BursaryAward, *, on: dt.date) -> None:
    """Take back an award not yet credited (a credited one is reversed instead, to keep its history)."""
    if award.entry_id is not None:
        raise InvalidAward("that award is credited already: reverse its entry instead")
    if award.withdrawn_on is None:
        award.withdrawn_on = on
        session.flush()


def credit_awards_due(session: Session, student: Student, term: Term, *, on: dt.date, actor: str) -> None:
    """Credit the student's awards for the term that are due on ``on`` (invoicing calls this)."""
    awards = session.scalars(
        select(BursaryAward)
        .where(
            BursaryAward.student_id == student.id,
            BursaryAward.term_id == term.id,
            BursaryAward.entry_id.is_(None),
            BursaryAward.withdrawn_on.is_(None),
        )
        .order_by(BursaryAward.id)
    )
    for award in list(awards):
        if _waiting(session, award, on) is None and _room(session, student, term, award) > 0:
            credit_award(session, award, on=on, actor=actor)


def award_state(session: Session, award: BursaryAward, today: dt.date) -> AwardState:
    if award.withdrawn_on is not None:
        return AwardState.WITHDRAWN
    if award.entry_id is not None:
        return AwardState.REVERSED if _reversed(session, award.entry_id) else AwardState.CREDITED
    return _waiting(session, award, today) or AwardState.AWAITING_INVOICE


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


def award_memo(session: Session, award: BursaryAward, sponsor: Sponsor) -> str:
    what = "Bursary" if sponsor.kind != SponsorKind.SCHOOL else "Waiver"
    return f"{what}: {sponsor.name}{award_scope(session, award)}"


def award_scope(session: Session, award: BursaryAward) -> str:
    """`` (50% of Tuition)``, `` (on Lunch)``, or nothing for a fixed amount off the term's fees."""
    head = session.get(VoteHead, award.vote_head_id) if award.vote_head_id else None
    if award.percent_bp is not None:
        return f" ({percent_text(award.percent_bp)} of {head.name if head else 'term fees'})"
    return f" (on {head.name})" if head else ""


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
    return [a for a in awards if a.entry_id is None or not _reversed(session, a.entry_id)]


def _room(session: Session, student: Student, term: Term, award: BursaryAward) -> int:
    """How much of the award's scope (the term, or its head) other standing awards leave uncovered."""
    fees = term_fees(session, student, term)
    others = [a for a in standing_awards(session, student, term) if a.id != award.id]
    room = sum(fees.values()) - sum(award_value(session, a) for a in others)
    if award.vote_head_id is not None:
        on_head = [a for a in others if a.vote_head_id == award.vote_head_id]
        room = min(room, fees.get(award.vote_head_id, 0) - sum(award_value(session, a) for a in on_head))
    return room


def value_and_room(session: Session, student: Student, term: Term, terms: AwardTerms) -> tuple[int, int]:
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
    return award_value(session, probe), _room(session, student, term, probe)


def check_within_fees(
    session: Session, student: Student, term: Term, terms: AwardTerms, taken: int = 0
) -> int:
    """Refuse an award beyond what its scope has left (less ``taken`` by a file's earlier rows); its value."""
    value, room = value_and_room(session, student, term, terms)
    room -= taken
    head = terms.vote_head
    if value > room:
        scope = head.name if head else "fees"
        raise InvalidAward(
            f"{kes(value, always_cents=True)} is more than the term {term.code} {scope} left to award "
            f"({kes(max(room, 0), always_cents=True)})"
        )
    return value


def _credit_legs(
    session: Session, student: Student, term: Term, head_id: int | None, amount: int
) -> list[Leg]:
    """Credit legs for ``amount``: the term's heads first (only ``head_id`` when named), in the school's
    order; then whatever else is owed, oldest first; the rest as credit carried forward."""
    owed = outstanding(session, student.id)
    in_scope = [o for o in owed if o.account.term_id == term.id and head_id in (None, o.account.vote_head_id)]
    first, left = allocate(amount, in_scope)
    taken = {o.account.id: share for o, share in first}
    rest = [
        Owed(o.account, o.term_order, o.priority, o.vote_head, o.amount - taken.get(o.account.id, 0))
        for o in owed
    ]
    then, left = allocate(left, [o for o in rest if o.amount > 0])
    credits: dict[int, int] = defaultdict(int)
    accounts: dict[int, Account] = {}
    for o, share in first + then:
        credits[o.account.id] += share
        accounts[o.account.id] = o.account
    legs = [Leg(accounts[account_id], credit=share) for account_id, share in credits.items()]
    if left:
        credit = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
        legs.append(Leg(credit, credit=left))
    return legs


def _payer_account(session: Session, sponsor: Sponsor) -> Account:
    if sponsor.account_id is None:  # the school's own waiver: its cost, on the bursary account
        return get_account(session, sponsor.school_id, AccountKind.BURSARY)
    return session.get_one(Account, sponsor.account_id)


def _waiting(session: Session, award: BursaryAward, on: dt.date) -> AwardState | None:
    """Why the award cannot be credited on ``on`` (None: it can)."""
    if award.withdrawn_on is not None:
        return AwardState.WITHDRAWN
    if award.valid_until is not None and on > award.valid_until:
        return AwardState.LAPSED
    if award.conditional and award.confirmed_on is None:
        return AwardState.PLEDGED
    if award.valid_from is not None and on < award.valid_from:
        return AwardState.NOT_YET_VALID
    if not live_entries(session, award.student_id, award.term_id, EntryKind.INVOICE):
        return AwardState.AWAITING_INVOICE
    return None


def _reversed(session: Session, entry_id: int) -> bool:
    return session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id)) is not None


def _undone(session: Session, award: BursaryAward) -> bool:
    return award.withdrawn_on is not None or (
        award.entry_id is not None and _reversed(session, award.entry_id)
    )


def _award_with_key(session: Session, school_id: int, key: str) -> BursaryAward | None:
    return session.scalars(
        select(BursaryAward).where(BursaryAward.school_id == school_id, BursaryAward.key == key)
    ).one_or_none()


def _award_by_key(session: Session, school_id: int, key: str, body: dict[str, object]) -> BursaryAward | None:
    award = _award_with_key(session, school_id, key)
    if award is not None and award.body_hash != body_hash(body):
        raise IdempotencyConflict(key)
    return award
