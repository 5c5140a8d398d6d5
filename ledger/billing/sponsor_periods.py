"""Bursaries by sponsor over dates, for the sponsors report: pledged (awards credited in the range),
received (sponsors' cheques in the range), and outstanding and not yet credited as at its last day.

Each is read from the journal by the day its entry is effective: an award counts on the day it was credited
and a cheque on the day it was received; a reversal takes either back on its own day. So ranges that follow
one another add up, and what a sponsor owes as at a day is all it pledged to that day less all it paid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorCheque, SponsorKind
from ledger.billing.sponsors import sponsors_of
from ledger.books.tables import Account, AccountKind, Entry, Line
from ledger.clock import school_day

EVER = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class SponsorPeriod:
    sponsor: Sponsor
    students: int  # students with an award credited in the range or pending at its end
    pledged: int  # awards credited in the range, less reversals in it
    received: int  # cheques received in the range, less reversals in it
    outstanding: int  # pledged less received, everything to the last day (0 for the school itself)
    pending: int  # fixed-amount awards made by the last day and not credited by it


def sponsor_periods(session: Session, school_id: int, first: dt.date, last: dt.date) -> list[SponsorPeriod]:
    """Every sponsor of the school, by name, with its figures for ``first``..``last``."""
    pledged, pledged_ever = (
        _pledged(session, school_id, first, last),
        _pledged(session, school_id, EVER, last),
    )
    received, received_ever = (
        _received(session, school_id, first, last),
        _received(session, school_id, EVER, last),
    )
    pending, students = _awards_at(session, school_id, first, last)
    return [
        SponsorPeriod(
            sponsor,
            len(students[sponsor.id]),
            pledged[sponsor.id],
            received[sponsor.id],
            0 if sponsor.kind == SponsorKind.SCHOOL else pledged_ever[sponsor.id] - received_ever[sponsor.id],
            pending[sponsor.id],
        )
        for sponsor in sponsors_of(session, school_id)
    ]


def _pledged(session: Session, school_id: int, first: dt.date, last: dt.date) -> defaultdict[int, int]:
    """Per sponsor: what its awards put on its account (or the school's bursary account) in the range,
    less what reversals dated in the range took off."""
    award_entry, reversal = aliased(Entry), aliased(Entry)
    value = (
        select(BursaryAward.sponsor_id, func.sum(Line.debit))
        .join(award_entry, award_entry.id == BursaryAward.entry_id)
        .join(Line, Line.entry_id == award_entry.id)
        .join(Account, Account.id == Line.account_id)
        .where(
            BursaryAward.school_id == school_id, Account.kind.in_((AccountKind.SPONSOR, AccountKind.BURSARY))
        )
        .group_by(BursaryAward.sponsor_id)
    )
    sums: defaultdict[int, int] = defaultdict(int)
    for sponsor_id, total in session.execute(value.where(award_entry.effective_on.between(first, last))):
        sums[sponsor_id] += int(total or 0)
    undone = value.join(reversal, reversal.reverses_id == award_entry.id)
    for sponsor_id, total in session.execute(undone.where(reversal.effective_on.between(first, last))):
        sums[sponsor_id] -= int(total or 0)
    return sums


def _received(session: Session, school_id: int, first: dt.date, last: dt.date) -> defaultdict[int, int]:
    reversal = aliased(Entry)
    paid = select(SponsorCheque.sponsor_id, func.sum(SponsorCheque.amount)).where(
        SponsorCheque.school_id == school_id
    )
    sums: defaultdict[int, int] = defaultdict(int)
    in_range = paid.where(SponsorCheque.received_on.between(first, last)).group_by(SponsorCheque.sponsor_id)
    for sponsor_id, total in session.execute(in_range):
        sums[sponsor_id] += int(total or 0)
    undone = (
        paid.join(reversal, reversal.reverses_id == SponsorCheque.entry_id)
        .where(reversal.effective_on.between(first, last))
        .group_by(SponsorCheque.sponsor_id)
    )
    for sponsor_id, total in session.execute(undone):
        sums[sponsor_id] -= int(total or 0)
    return sums


def _awards_at(
    session: Session, school_id: int, first: dt.date, last: dt.date
) -> tuple[defaultdict[int, int], defaultdict[int, set[int]]]:
    """(fixed amounts pending at ``last``, students credited in the range or pending at ``last``)."""
    credited_on = {
        entry_id: on
        for entry_id, on in session.execute(
            select(Entry.id, Entry.effective_on)
            .join(BursaryAward, BursaryAward.entry_id == Entry.id)
            .where(BursaryAward.school_id == school_id)
        )
    }
    pending: defaultdict[int, int] = defaultdict(int)
    students: defaultdict[int, set[int]] = defaultdict(set)
    for award in session.scalars(select(BursaryAward).where(BursaryAward.school_id == school_id)):
        credited = credited_on.get(award.entry_id) if award.entry_id is not None else None
        if credited is not None and first <= credited <= last:
            students[award.sponsor_id].add(award.student_id)
        made = school_day(award.created_at) <= last if award.created_at is not None else True
        standing = award.withdrawn_on is None or award.withdrawn_on > last
        if made and standing and (credited is None or credited > last):
            students[award.sponsor_id].add(award.student_id)
            pending[award.sponsor_id] += award.amount or 0
    return pending, students
