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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.billing.award_limits import (
    AwardTerms,
    InvalidAward,
    award_room,
    award_value,
    check_within_fees,
    entry_reversed,
)
from ledger.billing.fee_rules import percent_text
from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorKind
from ledger.books.accounts import get_account
from ledger.books.allocation import Owed, allocate, lock_student, outstanding
from ledger.books.journal import Leg, body_hash, once, post_entry
from ledger.books.reversals import live_entries
from ledger.books.tables import Account, AccountKind, Entry, EntryKind
from ledger.errors import IdempotencyConflict
from ledger.events import BursaryCredited, raise_event
from ledger.records.tables import Student, Term, VoteHead

ENTRY_KEY = "bursary-award:"


class AwardState(enum.StrEnum):
    CREDITED = "credited"
    REVERSED = "reversed"
    PLEDGED = "pledged"  # conditional, not confirmed yet
    AWAITING_INVOICE = "awaiting invoice"
    NOT_YET_VALID = "not yet valid"
    LAPSED = "lapsed"  # its last valid day passed before it was credited
    WITHDRAWN = "withdrawn"


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
        amount = min(award_value(session, award), award_room(session, student, term, award))
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
        if _waiting(session, award, on) is None and award_room(session, student, term, award) > 0:
            credit_award(session, award, on=on, actor=actor)


def award_state(session: Session, award: BursaryAward, today: dt.date) -> AwardState:
    if award.withdrawn_on is not None:
        return AwardState.WITHDRAWN
    if award.entry_id is not None:
        return AwardState.REVERSED if entry_reversed(session, award.entry_id) else AwardState.CREDITED
    return _waiting(session, award, today) or AwardState.AWAITING_INVOICE


def award_memo(session: Session, award: BursaryAward, sponsor: Sponsor) -> str:
    what = "Bursary" if sponsor.kind != SponsorKind.SCHOOL else "Waiver"
    return f"{what}: {sponsor.name}{award_scope(session, award)}"


def award_scope(session: Session, award: BursaryAward) -> str:
    """`` (50% of Tuition)``, `` (on Lunch)``, or nothing for a fixed amount off the term's fees."""
    head = session.get(VoteHead, award.vote_head_id) if award.vote_head_id else None
    if award.percent_bp is not None:
        return f" ({percent_text(award.percent_bp)} of {head.name if head else 'term fees'})"
    return f" (on {head.name})" if head else ""


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


def _undone(session: Session, award: BursaryAward) -> bool:
    return award.withdrawn_on is not None or (
        award.entry_id is not None and entry_reversed(session, award.entry_id)
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
