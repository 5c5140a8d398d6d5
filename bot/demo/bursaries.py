"""The demo's bursaries: a few awards through the bursaries import (a church's half of tuition, a county's
fixed sum, the school's own waiver, a pledge not yet confirmed) and an NG-CDF cheque split over several
students, some of them without an award before it. Idempotent, as the rest of the seed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.people import Pupil
from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.sponsor_cheques import record_cheque
from ledger.billing.sponsors import sponsor_named
from ledger.db import transaction
from ledger.records.tables import School, Student, Term

ACTOR = "demo"
CDF = "NG-CDF Kilimani"
CHEQUE = "CDF-004217"
CHEQUE_DAYS = 10  # after the term starts
CHEQUE_SPLIT = (4_000_00, 6_000_00, 2_500_00, 7_500_00)  # the first of them had an award before it


def bursaries_csv(code: str, pupils: Sequence[Pupil]) -> str:
    rows = [
        (pupils[5], "St. Austin's Parish", "50%", "Tuition"),
        (pupils[17], "Nairobi County Bursary", "5,000", ""),
        (pupils[29], "Kilimani school waiver", "100%", "Lunch"),
        (pupils[40], CDF, "4,000", ""),
    ]
    lines = [f'{p.admission_no},{code},"{sponsor}","{amount}",{head}' for p, sponsor, amount, head in rows]
    return "\n".join(["admission_no,term,sponsor,amount,vote_head", *lines]) + "\n"


def seed_bursaries(
    sessions: sessionmaker[Session],
    school_named: Callable[[Session], School],
    pupils: Sequence[Pupil],
    term: Term,
    today: dt.date,
) -> int:
    """A pledge waiting for the county's confirmation, and the CDF cheque once it has arrived."""
    added = 0
    with transaction(sessions) as session:
        school = school_named(session)
        students = {
            s.admission_no: s for s in session.scalars(select(Student).where(Student.school_id == school.id))
        }
        county, _ = sponsor_named(session, school.id, "Nairobi County Bursary")
        pledge = AwardTerms(amount=3_000_00, conditional=True)
        pledged = students[pupils[52].admission_no]
        _, made = award_bursary(
            session, pledged, term, county, pledge, key="demo-pledge", actor=ACTOR, on=today
        )
        added += made
        received_on = term.starts_on + dt.timedelta(days=CHEQUE_DAYS)
        if received_on <= today:
            cdf, _ = sponsor_named(session, school.id, CDF)
            split = [
                (students[p.admission_no], amount)
                for p, amount in zip(pupils[40:44], CHEQUE_SPLIT, strict=True)
            ]
            _, made = record_cheque(session, cdf, term, CHEQUE, split, received_on=received_on, actor=ACTOR)
            added += made
    return added
