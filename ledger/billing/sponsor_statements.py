"""What a sponsor and a student's awards look like to a bursar: a sponsor's students (awarded, received,
outstanding each), its cheques, and one student's awards with where each stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.award_limits import award_value, credited_amount
from ledger.billing.bursaries import AwardState, award_scope, award_state
from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorCheque, SponsorChequeLine
from ledger.books.tables import Entry
from ledger.money import kes
from ledger.records.tables import SchoolClass, Student, Term


@dataclass(frozen=True)
class AwardView:
    award: BursaryAward
    sponsor: str
    term: str
    what: str  # "KES 5,000.00" or "50% of Tuition"
    state: AwardState
    credited: int
    value: int  # what it is worth now (credited, or what it would credit)


@dataclass(frozen=True)
class SponsoredStudent:
    student: Student
    class_name: str
    terms: str
    awarded: int  # credited to the student, net of reversals
    pending: int  # not credited yet (a pledge, a term not invoiced)
    received: int  # what the sponsor's cheques brought for the student

    @property
    def outstanding(self) -> int:
        return self.awarded - self.received


@dataclass(frozen=True)
class ChequeView:
    cheque: SponsorCheque
    term: str
    students: int
    reversed: bool


def awards_of(session: Session, student: Student, today: dt.date) -> list[AwardView]:
    """The student's awards, newest first."""
    rows = session.execute(
        select(BursaryAward, Sponsor, Term)
        .join(Sponsor, Sponsor.id == BursaryAward.sponsor_id)
        .join(Term, Term.id == BursaryAward.term_id)
        .where(BursaryAward.student_id == student.id)
        .order_by(BursaryAward.id.desc())
    )
    return [_view(session, award, sponsor, term, today) for award, sponsor, term in rows]


def sponsored_students(session: Session, sponsor: Sponsor, today: dt.date) -> list[SponsoredStudent]:
    """Every student the sponsor has an award for (not withdrawn), by admission number."""
    rows = session.execute(
        select(BursaryAward, Student, SchoolClass.name, Term)
        .join(Student, Student.id == BursaryAward.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Term, Term.id == BursaryAward.term_id)
        .where(BursaryAward.sponsor_id == sponsor.id, BursaryAward.withdrawn_on.is_(None))
        .order_by(Student.admission_no, Term.year, Term.number, BursaryAward.id)
    ).all()
    received = _received_by_student(session, sponsor)
    by_student: dict[int, tuple[Student, str, list[str], int, int]] = {}
    for award, student, class_name, term in rows:
        _, _, terms, awarded, pending = by_student.get(student.id, (student, class_name, [], 0, 0))
        state = award_state(session, award, today)
        if state == AwardState.CREDITED:
            awarded += credited_amount(session, award)
        elif state != AwardState.REVERSED and state != AwardState.LAPSED:
            pending += award_value(session, award)
        if term.code not in terms:
            terms.append(term.code)
        by_student[student.id] = (student, class_name, terms, awarded, pending)
    return [
        SponsoredStudent(s, c, ", ".join(t), a, p, received.get(s.id, 0))
        for s, c, t, a, p in by_student.values()
    ]


def cheques_of(session: Session, sponsor: Sponsor) -> list[ChequeView]:
    rows = session.execute(
        select(SponsorCheque, Term)
        .join(Term, Term.id == SponsorCheque.term_id)
        .where(SponsorCheque.sponsor_id == sponsor.id)
        .order_by(SponsorCheque.received_on.desc(), SponsorCheque.id.desc())
    )
    views = []
    for cheque, term in rows:
        lines = session.scalars(select(SponsorChequeLine.id).where(SponsorChequeLine.cheque_id == cheque.id))
        reversed_ = session.scalar(select(Entry.id).where(Entry.reverses_id == cheque.entry_id)) is not None
        views.append(ChequeView(cheque, term.code, len(list(lines)), reversed_))
    return views


def _received_by_student(session: Session, sponsor: Sponsor) -> dict[int, int]:
    live = {view.cheque.id for view in cheques_of(session, sponsor) if not view.reversed}
    received: dict[int, int] = {}
    lines = session.scalars(select(SponsorChequeLine).where(SponsorChequeLine.cheque_id.in_(live)))
    for line in lines:
        received[line.student_id] = received.get(line.student_id, 0) + line.amount
    return received


def _view(session: Session, award: BursaryAward, sponsor: Sponsor, term: Term, today: dt.date) -> AwardView:
    if award.percent_bp is not None:
        what = award_scope(session, award).strip(" ()")
    else:
        what = kes(award.amount or 0, always_cents=True) + award_scope(session, award)
    state = award_state(session, award, today)
    value = award_value(session, award) if state != AwardState.WITHDRAWN else 0
    return AwardView(award, sponsor.name, term.code, what, state, credited_amount(session, award), value)
