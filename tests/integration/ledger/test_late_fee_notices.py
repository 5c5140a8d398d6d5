"""A family charged a late fee is told once, in its language, in the school's waking hours; its phone
screens name Karo's own charges and discounts in its language. On PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.directory import LedgerDirectory, NairobiClock, RecordingPayments
from flows.gsm import sms_segments
from flows.keywords import converse
from flows.ports import Ports
from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.billing.late_fees import apply_late_fees
from ledger.messaging.outbox import BULK_PRIORITY, Category, MessageStatus, OutboxMessage
from ledger.messaging.reminder_texts import Child, late_fee_text
from ledger.records.tables import Language, School
from tests import builders as b
from tests.integration.ledger.test_bulk_quiet_hours import one_class, send_all
from tests.integration.reminders_school import at, d

GRACE_OVER = d(1, 27)  # fees due 19 January, 7 days' grace


@pytest.fixture
def late_school(session):
    school, grade, term = one_class(session, "mvita", "Mvita Primary", 20_000_00)
    kid = b.student(session, grade, "M1", "Baraka Mwangi")
    parent = b.guardian(session, school, "+254700000201", kid)
    parent.language = Language.SW
    invoice_class(session, grade, term, actor="t", notify=False)
    set_rules(session, school.id, RuleChanges(late_fee_cents=500_00, grace_days=7))
    session.commit()
    return {"school": school, "term": term, "kid": kid, "parent": parent}


def notices(session) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.category == Category.LATE_FEE_NOTICE)
    return list(session.scalars(query))


def test_the_late_fee_is_told_once_in_kiswahili_after_quiet_hours(session, factory, late_school):
    school = late_school["school"]
    for hour in (6, 12):  # the daily job at 06:00 (quiet hours), then run again at noon
        apply_late_fees(session, school.id, GRACE_OVER, actor="schedule", now=at(GRACE_OVER, hour))
        session.commit()
    (notice,) = notices(session)
    assert (notice.phone, notice.priority) == ("+254700000201", BULK_PRIORITY)
    assert notice.body == (
        "Mvita Primary: Faini ya kuchelewa KES 500 imetozwa: ada ya muhula 2026-1 ilipaswa kulipwa"
        " 19 Jan 2026. Baraka Mwangi (M1) KES 20,500. Jumla KES 20,500. Lipa kwa Paybill 522522"
        " akaunti M1 au jibu LIPA."
    )
    session.commit()  # SQLite: let the dispatcher take the write lock
    assert send_all(factory, at(GRACE_OVER, 6, 1)) == []
    (waiting,) = notices(session)
    assert waiting.status == MessageStatus.QUEUED
    assert waiting.next_attempt_at.replace(tzinfo=dt.UTC) == at(GRACE_OVER, 7)
    session.commit()  # SQLite: let the dispatcher take the write lock
    assert send_all(factory, at(GRACE_OVER, 7, 1)) == [("+254700000201", notice.body)]


LONG = "Wanjiku Nyambura Kamau-Otieno Achieng"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("children", range(1, 8))
def test_every_late_fee_notice_fits_two_segments(language, children):
    where = School(slug="s", name="St. Bakhita Mixed Day and Boarding Secondary School", paybill="4123456",
                   ussd_code="*384*1234*56#")  # fmt: skip
    kids = [Child(f"{LONG} {i}", f"ADM-2026-{i:04d}", 123_456_78 + i) for i in range(children)]
    assert sms_segments(late_fee_text(language, where, "2026-1", kids, 61_726 * children, d(1, 19))) <= 2


@pytest.fixture
def siblings(session):
    """Two children of one Kiswahili-speaking parent; 10% off the second child's fees, KES 500 late."""
    school, grade, term = one_class(session, "pwani", "Pwani Academy", 20_000_00)
    kids = [
        b.student(session, grade, adm, name) for adm, name in (("P1", "Amani Otieno"), ("P2", "Imani Otieno"))
    ]
    parent = b.guardian(session, school, "+254700000301", *kids)
    parent.language = Language.SW
    set_rules(session, school.id, RuleChanges(late_fee_cents=500_00, grace_days=7, sibling_bp=1000))
    invoice_class(session, grade, term, actor="t", notify=False)
    apply_late_fees(session, school.id, GRACE_OVER, actor="schedule", now=at(GRACE_OVER))
    session.commit()
    return {"school": school, "kids": kids, "parent": parent}


def sms_reply(factory, phone: str, text: str) -> str:
    clock = NairobiClock()
    ports = Ports(LedgerDirectory(factory, clock), RecordingPayments(factory, clock, "sms", None), clock)
    return converse(None, phone, text, ports)[1].text


def test_a_kiswahili_parent_reads_karos_charges_and_discounts_in_kiswahili(factory, siblings):
    phone = siblings["parent"].phone
    balance = sms_reply(factory, phone, "SALIO P2")
    assert "Faini ya kuchelewa 500" in balance and "Late fee" not in balance
    statement = sms_reply(factory, phone, "STMT P2")
    assert "Punguzo la ndugu -2,000" in statement and "Faini ya kuchelewa 500" in statement
    assert "discount" not in statement and "Late fee" not in statement
    english = sms_reply(factory, phone, "BAL P2")  # an English keyword is answered in English
    assert "Late fee 500" in english
