"""Every bulk message waits for the school's morning; a receipt does not. On PostgreSQL and SQLite.

The school is quiet from 20:00 to 07:00 Nairobi (the default). The class is invoiced at 21:30.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import Registry
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Unlimited
from ledger.billing.invoicing import invoice_class
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.payments.recording import Received, record_payment
from tests import builders as b
from tests.integration.messaging.test_dispatch import FakeSms
from tests.integration.reminders_school import at, d

EVENING = at(d(1, 5), 21, 30)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def send_all(factory, now: dt.datetime) -> list[tuple[str, str]]:
    sms = FakeSms()
    Dispatcher(factory, Registry([AfricasTalkingSmsHandler(sms)]), Unlimited(), Clock(now)).run()
    return sms.sent


def one_class(session, slug: str, name: str, tuition_cents: int):
    """A school (Paybill 522522) with one class, Grade 4, charged tuition in term 2026-1 (due 19 Jan)."""
    school = b.school(session, slug=slug, name=name, paybill="522522")
    grade = b.school_class(session, school, "Grade 4")
    term = b.term(session, school, "2026-1")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): tuition_cents})
    return school, grade, term


@pytest.fixture
def evening_school(session):
    school, grade, term = one_class(session, "jioni", "Jioni Academy", 10_000_00)
    kids = [b.student(session, grade, f"Q{n}", f"Child Q{n}") for n in (1, 2)]
    for n, kid in enumerate(kids):
        b.guardian(session, school, f"+25470000010{n}", kid)
    session.commit()
    return {"school": school, "grade": grade, "term": term, "kids": kids}


def by_category(session, category: Category) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.category == category)))


def test_invoice_notices_written_at_night_wait_for_the_morning(session, factory, evening_school):
    run = invoice_class(session, evening_school["grade"], evening_school["term"], actor="t", now=EVENING)
    session.commit()
    assert run.invoiced == 2 and len(by_category(session, Category.INVOICE_NOTICE)) == 2
    session.commit()  # SQLite: let the dispatcher take the write lock
    assert send_all(factory, at(d(1, 5), 21, 31)) == []
    assert send_all(factory, at(d(1, 6), 6, 59)) == []
    waiting = by_category(session, Category.INVOICE_NOTICE)
    assert [m.status for m in waiting] == [MessageStatus.QUEUED] * 2
    assert {m.next_attempt_at.replace(tzinfo=dt.UTC) for m in waiting} == {at(d(1, 6), 7)}
    session.commit()  # SQLite: let the dispatcher take the write lock
    sent = send_all(factory, at(d(1, 6), 7, 1))
    assert sorted(to for to, _ in sent) == ["+254700000100", "+254700000101"]
    assert [m.status for m in by_category(session, Category.INVOICE_NOTICE)] == [MessageStatus.SENT] * 2


def test_a_receipt_at_night_goes_at_once(session, factory, evening_school):
    school, kid = evening_school["school"], evening_school["kids"][0]
    invoice_class(session, evening_school["grade"], evening_school["term"], actor="t", now=EVENING)
    received = Received(PaymentSource.MPESA_PAYBILL, "QNIGHT0001", 2_000_00, d(1, 5))
    record_payment(session, school.id, received, kid, actor="t", now=EVENING)
    session.commit()
    sent = send_all(factory, at(d(1, 5), 21, 31))
    assert [to for to, _ in sent] == ["+254700000100"]
    (receipt,) = by_category(session, Category.RECEIPT)
    assert receipt.status == MessageStatus.SENT
