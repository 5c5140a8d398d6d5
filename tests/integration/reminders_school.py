"""A school for reminder tests: six families of one class in term 2026-1, due 19 Jan, Nairobi clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ledger.billing.invoicing import invoice_class
from ledger.books.tables import PaymentSource
from ledger.messaging.campaigns import write_campaign
from ledger.messaging.reminder_plans import plan_campaign
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School
from tests import builders as b

NAIROBI = ZoneInfo("Africa/Nairobi")
KES = 100
START, DUE, END = dt.date(2026, 1, 5), dt.date(2026, 1, 19), dt.date(2026, 4, 5)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NAIROBI).astimezone(dt.UTC)


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def term_school(session):
    school = b.school(
        session,
        slug="kilimani",
        name="Kilimani Junior",
        paybill="522522",
        ussd_code="*384*25#",
        remind_days_before_due=7,
        remind_every_days=14,
        remind_max_per_term=4,
    )
    grade = b.school_class(session, school, "Grade 4")
    tuition = b.vote_head(session, school, "Tuition", 10)
    term = b.term(session, school, "2026-1", due=DUE)
    b.fees(session, term, grade, {tuition: 30_000 * KES})
    kids = {
        adm: b.student(session, grade, adm, f"Child {adm}")
        for adm in ("A1", "B1", "C1", "C2", "D1", "E1", "F1")
    }
    families = {
        "never_pays": b.guardian(session, school, "+254700000001", kids["A1"]),
        "pays_feb_5": b.guardian(session, school, "+254700000002", kids["B1"]),
        "two_children": b.guardian(session, school, "+254700000003", kids["C1"], kids["C2"]),
        "promises": b.guardian(session, school, "+254700000004", kids["D1"]),
        "stopped": b.guardian(session, school, "+254700000005", kids["E1"]),
        "plan": b.guardian(session, school, "+254700000006", kids["F1"]),
    }
    families["stopped"].opted_out = ["reminders"]
    invoice_class(session, grade, term, actor="t")
    session.commit()
    return {"school": school, "term": term, "kids": kids, "families": families}


def pay(session, school, student, ref, kes, on):
    record_payment(
        session,
        school.id,
        Received(PaymentSource.MPESA_PAYBILL, ref, kes * KES, on),
        student,
        actor="t",
        now=at(on),
    )


def run_schedule(session, school_id: int, term_id: int, now: dt.datetime) -> int:
    school = session.get_one(School, school_id)
    campaign = plan_campaign(session, school, now)
    return write_campaign(session, school, campaign.planned, now=now)
