"""A sponsor's cheque for many students (NG-CDF and county bursaries arrive this way): recorded once under
its reference as one entry (Dr bank, Cr the sponsor's account), and split over the students it lists.

For each student on the list, what the sponsor's standing awards for the term do not yet cover becomes a
new award (a student listed without one gets one), and a pledge still waiting for confirmation is
confirmed by the money: the cheque's split is credited to the students as it is posted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.award_limits import AwardTerms, award_value, check_within_fees, standing_awards
from ledger.billing.bursaries import award_bursary, confirm_award
from ledger.billing.sponsor_tables import (
    BursaryAward,
    Sponsor,
    SponsorCheque,
    SponsorChequeLine,
    SponsorKind,
)
from ledger.books.accounts import get_account
from ledger.books.journal import Leg, find_by_key, once, post_entry
from ledger.books.tables import Account, AccountKind, Entry, EntryKind
from ledger.errors import LedgerError
from ledger.records.tables import Student, Term

REFERENCE_LENGTH = 40


class InvalidCheque(LedgerError):
    """A cheque that cannot be recorded as given (no lines, a student twice, more than a student's fees
    leave to award...); ``problems`` names each student's, one a line."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else problems
        count = len(self.problems)
        super().__init__(self.problems[0] if count == 1 else f"{count} students cannot be credited as given")


@dataclass(frozen=True)
class ChequeShare:
    """One student's part of a cheque, and what it does to their awards."""

    student: Student
    amount: int
    awarded: int  # what the sponsor's standing awards for the term are worth before the cheque
    pledges: int  # how many of those are conditional pledges the cheque confirms

    @property
    def new_award(self) -> int:
        """What the cheque adds as a new award (0 when the awards cover it)."""
        return max(self.amount - self.awarded, 0)


def cheque_key(sponsor: Sponsor, reference: str) -> str:
    return f"sponsor-cheque:p{sponsor.id}:{reference}"


def tidy_reference(reference: str) -> str:
    cleaned = " ".join(reference.split()).upper()
    if not cleaned:
        raise InvalidCheque("a cheque needs its reference (the cheque or transfer number)")
    if len(cleaned) > REFERENCE_LENGTH:
        raise InvalidCheque(f"a cheque reference is at most {REFERENCE_LENGTH} characters")
    return cleaned


def plan_cheque(
    session: Session, sponsor: Sponsor, term: Term, lines: list[tuple[Student, int]]
) -> list[ChequeShare]:
    """What recording the cheque would do for each student (the preview), or InvalidCheque."""
    if sponsor.kind == SponsorKind.SCHOOL:
        raise InvalidCheque("the school's own waivers have no cheque")
    if not lines:
        raise InvalidCheque("a cheque needs at least one student and amount")
    seen: set[int] = set()
    shares, problems = [], []
    for student, amount in lines:
        try:
            shares.append(_share(session, sponsor, term, student, amount, seen))
        except LedgerError as bad:
            problems.append(f"{student.admission_no}: {bad}")
    if problems:
        raise InvalidCheque(problems)
    return shares


def _share(
    session: Session, sponsor: Sponsor, term: Term, student: Student, amount: int, seen: set[int]
) -> ChequeShare:
    if student.id in seen:
        raise InvalidCheque("on the cheque twice")
    if amount <= 0:
        raise InvalidCheque("the amount must be more than zero")
    seen.add(student.id)
    awards = _sponsors_awards(session, sponsor, student, term)
    awarded = sum(award_value(session, a) for a in awards)
    pledges = sum(1 for a in awards if a.conditional and a.confirmed_on is None and a.entry_id is None)
    share = ChequeShare(student, amount, awarded, pledges)
    if share.new_award:
        check_within_fees(session, student, term, AwardTerms(amount=share.new_award))
    return share


def record_cheque(
    session: Session,
    sponsor: Sponsor,
    term: Term,
    reference: str,
    lines: list[tuple[Student, int]],
    *,
    received_on: dt.date,
    actor: str,
    at: dt.datetime | None = None,
) -> tuple[SponsorCheque, bool]:
    """Record the cheque once (same reference and split: the first; another split: refused). With ``at``
    (now), each family whose child it credits is told."""
    reference = tidy_reference(reference)
    key = cheque_key(sponsor, reference)
    body = {
        "sponsor": sponsor.id,
        "term": term.id,
        "on": received_on,
        "lines": sorted((student.id, amount) for student, amount in lines),
    }
    existing = find_by_key(session, sponsor.school_id, key, body)
    if existing is not None:
        return _cheque_of(session, existing), False
    shares = plan_cheque(session, sponsor, term, lines)
    total = sum(amount for _, amount in lines)

    def post() -> Entry:
        for share in shares:
            _settle_awards(session, sponsor, term, share, key=key, on=received_on, actor=actor, at=at)
        bank = get_account(session, sponsor.school_id, AccountKind.BANK)
        owed = session.get_one(Account, sponsor.account_id)
        entry = post_entry(
            session,
            school_id=sponsor.school_id,
            kind=EntryKind.SPONSOR_RECEIPT,
            legs=[Leg(bank, debit=total), Leg(owed, credit=total)],
            key=key,
            body=body,
            memo=f"Cheque {reference} from {sponsor.name} for {len(lines)} students",
            effective_on=received_on,
            actor=actor,
            term_id=term.id,
        )
        cheque = SponsorCheque(
            school_id=sponsor.school_id,
            sponsor_id=sponsor.id,
            term_id=term.id,
            reference=reference,
            amount=total,
            received_on=received_on,
            entry_id=entry.id,
        )
        session.add(cheque)
        session.flush()
        session.add_all(
            SponsorChequeLine(cheque_id=cheque.id, student_id=s.id, amount=amount) for s, amount in lines
        )
        session.flush()
        return entry

    entry, created = once(session, sponsor.school_id, key, body, post)
    return _cheque_of(session, entry), created


def _cheque_of(session: Session, entry: Entry) -> SponsorCheque:
    return session.scalars(select(SponsorCheque).where(SponsorCheque.entry_id == entry.id)).one()


def _settle_awards(
    session: Session,
    sponsor: Sponsor,
    term: Term,
    share: ChequeShare,
    *,
    key: str,
    on: dt.date,
    actor: str,
    at: dt.datetime | None,
) -> None:
    for award in _sponsors_awards(session, sponsor, share.student, term):
        if award.conditional and award.confirmed_on is None:
            confirm_award(session, award, on=on, actor=actor, at=at)
    if share.new_award:
        award_bursary(
            session,
            share.student,
            term,
            sponsor,
            AwardTerms(amount=share.new_award),
            key=f"{key}:s{share.student.id}",
            actor=actor,
            on=on,
            at=at,
        )


def _sponsors_awards(session: Session, sponsor: Sponsor, student: Student, term: Term) -> list[BursaryAward]:
    return [a for a in standing_awards(session, student, term) if a.sponsor_id == sponsor.id]
