"""A school's sponsors: found by name (made on first use), and what each owes the school.

A sponsor other than the school has its own account (kind SPONSOR, key ``sponsor:p<id>``): an award
credited debits it (the sponsor owes what it pledged), its cheque credits it. So pledged, received and
outstanding per sponsor are read from the journal, net of reversals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorCheque, SponsorKind
from ledger.books.tables import Account, AccountKind, Entry, Line
from ledger.bulk import insert_or_fetch
from ledger.errors import LedgerError

NAME_LENGTH = 80
KIND_LABELS = {
    SponsorKind.COUNTY: "County bursary",
    SponsorKind.CDF: "NG-CDF",
    SponsorKind.CHURCH: "Church",
    SponsorKind.COMPANY: "Company",
    SponsorKind.SCHOOL: "The school",
    SponsorKind.OTHER: "Other",
}
# A new sponsor's kind guessed from its name, when nobody says it: the first pattern that matches.
_GUESSES = (
    (re.compile(r"\b(ng-?cdf|cdf|constituency)\b", re.I), SponsorKind.CDF),
    (re.compile(r"\bcounty\b", re.I), SponsorKind.COUNTY),
    (re.compile(r"\b(church|parish|diocese|mission|mosque|catholic|anglican)\b", re.I), SponsorKind.CHURCH),
    (re.compile(r"\b(ltd|limited|plc|bank|company|foundation)\b", re.I), SponsorKind.COMPANY),
    (re.compile(r"\b(school|waiver|scholarship)\b", re.I), SponsorKind.SCHOOL),
)


class InvalidSponsor(LedgerError):
    """A sponsor name that is empty or too long, or a kind Karo does not know."""


@dataclass(frozen=True)
class SponsorTotals:
    sponsor: Sponsor
    pledged: int  # awards credited to students, net of reversals
    received: int  # cheques received, net of reversals (always 0 for the school itself)
    pending: int  # fixed-amount awards not credited yet (a conditional pledge, a term not invoiced)
    students: int

    @property
    def outstanding(self) -> int:
        return 0 if self.sponsor.kind == SponsorKind.SCHOOL else self.pledged - self.received


def tidy_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidSponsor("a sponsor needs a name")
    if len(cleaned) > NAME_LENGTH:
        raise InvalidSponsor(f"a sponsor's name is at most {NAME_LENGTH} characters")
    return cleaned


def guess_kind(name: str) -> SponsorKind:
    return next((kind for pattern, kind in _GUESSES if pattern.search(name)), SponsorKind.OTHER)


def find_sponsor(session: Session, school_id: int, name: str) -> Sponsor | None:
    key = tidy_name(name).casefold()
    return session.scalars(
        select(Sponsor).where(Sponsor.school_id == school_id, Sponsor.name_key == key)
    ).one_or_none()


def sponsor_named(
    session: Session, school_id: int, name: str, kind: SponsorKind | None = None
) -> tuple[Sponsor, bool]:
    """The school's sponsor of this name (any case), made with its account on first use; (sponsor, made)."""
    cleaned = tidy_name(name)
    values = {
        "school_id": school_id,
        "name": cleaned,
        "name_key": cleaned.casefold(),
        "kind": kind or guess_kind(cleaned),
    }
    sponsor, made = insert_or_fetch(
        session, Sponsor, values, lambda: find_sponsor(session, school_id, cleaned)
    )
    if made and sponsor.kind != SponsorKind.SCHOOL:
        account = Account(
            school_id=school_id, key=f"sponsor:p{sponsor.id}", kind=AccountKind.SPONSOR, balance=0
        )
        session.add(account)
        session.flush()
        sponsor.account_id = account.id
        session.flush()
    return sponsor, made


def sponsors_of(session: Session, school_id: int) -> list[Sponsor]:
    return list(session.scalars(select(Sponsor).where(Sponsor.school_id == school_id).order_by(Sponsor.name)))


def sponsor_totals(session: Session, school_id: int) -> list[SponsorTotals]:
    """Every sponsor of the school with what it pledged, paid and still owes, by name."""
    pledged = _credited_by_sponsor(session, school_id)
    received = _received_by_sponsor(session, school_id)
    pending, students = _awards_by_sponsor(session, school_id)
    return [
        SponsorTotals(
            s, pledged.get(s.id, 0), received.get(s.id, 0), pending.get(s.id, 0), students.get(s.id, 0)
        )
        for s in sponsors_of(session, school_id)
    ]


def totals_of(session: Session, sponsor: Sponsor) -> SponsorTotals:
    return next(t for t in sponsor_totals(session, sponsor.school_id) if t.sponsor.id == sponsor.id)


def _credited_by_sponsor(session: Session, school_id: int) -> dict[int, int]:
    reversal = aliased(Entry)
    rows = session.execute(
        select(BursaryAward.sponsor_id, func.sum(Line.debit))
        .join(Line, Line.entry_id == BursaryAward.entry_id)
        .join(Account, Account.id == Line.account_id)
        .outerjoin(reversal, reversal.reverses_id == BursaryAward.entry_id)
        .where(
            BursaryAward.school_id == school_id,
            Account.kind.in_((AccountKind.SPONSOR, AccountKind.BURSARY)),
            reversal.id.is_(None),
        )
        .group_by(BursaryAward.sponsor_id)
    )
    return {sponsor_id: int(total or 0) for sponsor_id, total in rows}


def _received_by_sponsor(session: Session, school_id: int) -> dict[int, int]:
    reversal = aliased(Entry)
    rows = session.execute(
        select(SponsorCheque.sponsor_id, func.sum(SponsorCheque.amount))
        .outerjoin(reversal, reversal.reverses_id == SponsorCheque.entry_id)
        .where(SponsorCheque.school_id == school_id, reversal.id.is_(None))
        .group_by(SponsorCheque.sponsor_id)
    )
    return {sponsor_id: int(total or 0) for sponsor_id, total in rows}


def _awards_by_sponsor(session: Session, school_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """(fixed amounts still pending, students with any award not withdrawn) per sponsor."""
    pending: dict[int, int] = {}
    students: dict[int, set[int]] = {}
    awards = session.scalars(
        select(BursaryAward).where(BursaryAward.school_id == school_id, BursaryAward.withdrawn_on.is_(None))
    )
    for award in awards:
        students.setdefault(award.sponsor_id, set()).add(award.student_id)
        if award.entry_id is None and award.amount:
            pending[award.sponsor_id] = pending.get(award.sponsor_id, 0) + award.amount
    return pending, {sponsor_id: len(ids) for sponsor_id, ids in students.items()}
