"""Reminders on their way out, invoice notices and thanks, on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import Registry
from bot.channels.handlers.twilio import TwilioWhatsAppHandler
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Unlimited
from ledger.billing.invoicing import invoice_class
from ledger.billing.promises import promise_to_pay
from ledger.messaging.campaigns import effectiveness, write_campaign
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.messaging.reminder_plans import Reminder, plan_campaign
from ledger.records.tables import Channel, Language, SchoolClass, StudentGuardian
from tests import builders as b
from tests.integration.messaging.test_dispatch import FakeSms, FakeWhatsApp
from tests.integration.reminders_school import at, d, pay, run_schedule


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def send_all(factory, now: dt.datetime) -> FakeSms:
    sms = FakeSms()
    Dispatcher(factory, Registry([AfricasTalkingSmsHandler(sms)]), Unlimited(), Clock(now)).run()
    return sms


def reminder_of(session, guardian) -> OutboxMessage:
    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.guardian_id == guardian.id, OutboxMessage.category == Category.REMINDER
        )
    ).one()


def test_a_family_that_pays_before_its_reminder_goes_out_is_sent_nothing(session, factory, term_school):
    school, term, kids, families = (term_school[k] for k in ("school", "term", "kids", "families"))
    run_schedule(session, school.id, term.id, at(d(2, 2), 9))
    pay(session, school, kids["B1"], "QPAID", 30_000, d(2, 2))  # in full, a minute after planning
    pay(session, school, kids["A1"], "QPART", 1_000, d(2, 2))  # some of it
    session.commit()
    sms = send_all(factory, at(d(2, 2), 9, 1))
    session.expire_all()
    paid, part = reminder_of(session, families["pays_feb_5"]), reminder_of(session, families["never_pays"])
    assert paid.status == part.status == MessageStatus.FAILED
    assert paid.failure_reason == "not sent: the family paid after the reminder was planned"
    phones = [to for to, _ in sms.sent if _.startswith("Kilimani Junior: Fee reminder")]
    assert sorted(phones) == ["+254700000003", "+254700000004", "+254700000006"]


def test_a_promise_made_after_planning_holds_the_reminder(session, factory, term_school):
    school, term, kids, families = (term_school[k] for k in ("school", "term", "kids", "families"))
    run_schedule(session, school.id, term.id, at(d(2, 2), 9))
    promise_to_pay(
        session,
        school_id=school.id,
        student_id=kids["D1"].id,
        guardian_id=families["promises"].id,
        on=d(2, 9),
        today=d(2, 2),
        term_ends_on=term.ends_on,
        now=at(d(2, 2), 9),
    )
    session.commit()
    send_all(factory, at(d(2, 2), 9, 5))
    session.expire_all()
    held = reminder_of(session, families["promises"])
    assert (held.status, held.failure_reason) == (
        MessageStatus.FAILED,
        "not sent: the family promised to pay",
    )


def test_a_reminder_that_reaches_quiet_hours_waits_for_the_morning(session, factory, term_school):
    school, term, families = term_school["school"], term_school["term"], term_school["families"]
    run_schedule(session, school.id, term.id, at(d(2, 2), 19, 55))
    session.commit()
    sms = send_all(factory, at(d(2, 2), 20, 5))  # the worker got to it after 20:00
    session.expire_all()
    waiting = reminder_of(session, families["never_pays"])
    assert sms.sent == [] and waiting.status == MessageStatus.QUEUED
    assert waiting.next_attempt_at.replace(tzinfo=dt.UTC) == at(d(2, 3), 7)
    session.commit()  # SQLite: let the dispatcher take the write lock
    assert len(send_all(factory, at(d(2, 3), 7, 1)).sent) == 5


def test_effectiveness_counts_families_who_paid_within_seven_days(session, term_school):
    school, term, kids = term_school["school"], term_school["term"], term_school["kids"]
    run_schedule(session, school.id, term.id, at(d(2, 2)))
    pay(session, school, kids["A1"], "QA", 5_000, d(2, 6))  # 4 days after: counts
    pay(session, school, kids["C2"], "QC", 5_000, d(2, 12))  # 10 days after: does not
    session.commit()
    early = effectiveness(session, school.id, term.id, at(d(2, 6)))
    late = effectiveness(session, school.id, term.id, at(d(2, 20)))
    assert (early.reminded, early.paid_within_7_days, early.waiting) == (5, 1, 4)
    assert (late.reminded, late.paid_within_7_days, late.waiting, late.rate) == (5, 1, 0, 0.2)


def test_two_runs_at_the_same_moment_write_each_reminder_once(session, factory, term_school):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite takes one writer at a time)")
    school_id, term_id = term_school["school"].id, term_school["term"].id
    start = threading.Barrier(4)
    errors: list[Exception] = []

    def run() -> None:
        try:
            start.wait()
            with factory.begin() as session:
                run_schedule(session, school_id, term_id, at(d(2, 2)))
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with factory() as session:
        reminders = session.scalar(select(func.count()).select_from(Reminder))
        messages = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.category == Category.REMINDER)
        )
    assert errors == [] and reminders == messages == 5


def notices(session) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.category == Category.INVOICE_NOTICE)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_invoicing_a_class_tells_each_family_once(session, term_school):
    school, term = term_school["school"], term_school["term"]
    grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
    sent = notices(session)  # the fixture invoiced the class
    again = invoice_class(session, grade, term, actor="t", now=at(d(1, 6)))
    session.commit()
    assert (len(sent), again.invoiced, len(notices(session))) == (6, 0, 6)
    two = next(m for m in sent if m.phone == "+254700000003")
    assert two.body == (
        "Kilimani Junior: Term 2026-1 fees. Child C1 (C1) KES 30,000; Child C2 (C2) KES 30,000. Total due"
        " KES 60,000 by 19 Jan 2026. Pay by Paybill 522522 account each child's admission no., dial"
        " *384*25# or reply PAY."
    )


def test_a_late_joiner_gets_a_notice_of_their_own(session, term_school):
    school, term = term_school["school"], term_school["term"]
    grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
    newcomer = b.student(session, grade, "G1", "Child G1")
    b.guardian(session, school, "+254700000009", newcomer)
    told_before = len(notices(session))
    run = invoice_class(session, grade, term, actor="t", now=at(d(2, 1)))
    session.commit()
    assert (run.invoiced, len(notices(session)) - told_before) == (1, 1)
    assert notices(session)[-1].phone == "+254700000009"


def test_a_family_that_stopped_everything_is_not_told(session, term_school):
    school, term, families = term_school["school"], term_school["term"], term_school["families"]
    grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
    families["never_pays"].opted_out = ["all"]
    newcomer = b.student(session, grade, "G2", "Child G2")
    families["never_pays"].student_links.append(StudentGuardian(student_id=newcomer.id))
    session.flush()
    told_before = len(notices(session))
    run = invoice_class(session, grade, term, actor="t", now=at(d(2, 1)))
    session.commit()
    assert (run.invoiced, len(notices(session)) - told_before) == (1, 0)


def test_a_family_of_two_is_thanked_once_when_all_is_paid(session, term_school):
    school, kids, families = term_school["school"], term_school["kids"], term_school["families"]
    pay(session, school, kids["C1"], "QC1", 30_000, d(2, 1))
    pay(session, school, kids["C2"], "QC2", 29_000, d(2, 2))
    pay(session, school, kids["C2"], "QC3", 1_500, d(2, 3))  # the last 1,000 and 500 of credit
    pay(session, school, kids["C2"], "QC4", 500, d(2, 4))  # still in credit: no second thanks
    pay(session, school, kids["A1"], "QA1", 30_000, d(2, 4))  # a family of one: the receipt says it
    session.commit()
    thanks = session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.THANKS)).all()
    assert [(m.guardian_id, m.body) for m in thanks] == [
        (
            families["two_children"].id,
            "Kilimani Junior: Thank you! All fees for Child C1 and Child C2 are paid. We appreciate it.",
        )
    ]


def test_outside_the_whatsapp_window_a_reminder_goes_as_the_approved_template(session, factory, term_school):
    school, families = term_school["school"], term_school["families"]
    families["two_children"].language = Language.SW
    for guardian in families.values():  # they prefer WhatsApp: a template reaches them outside the window
        guardian.preferred_channel = Channel.WHATSAPP
    campaign = plan_campaign(session, school, at(d(2, 2)))
    write_campaign(session, school, campaign.planned, now=at(d(2, 2)), templates={"en": "HXen"})
    session.commit()
    sms, whatsapp = FakeSms(), FakeWhatsApp()
    senders = Registry([AfricasTalkingSmsHandler(sms), TwilioWhatsAppHandler(whatsapp)])
    Dispatcher(
        factory, senders, Unlimited(), Clock(at(d(2, 2), 13)), whatsapp_window_open=lambda p: False
    ).run()
    assert sorted(to for to, _ in whatsapp.templates) == [f"+25470000000{n}" for n in (1, 2, 4, 6)]
    assert {template for _, template in whatsapp.templates} == {"HXen"}
    # No Kiswahili template is approved: that family gets the text by SMS.
    assert [to for to, _ in sms.sent] == ["+254700000003"]
    row = reminder_of(session, families["never_pays"])
    assert row.template_vars == {"1": "Kilimani Junior", "2": "Child A1", "3": "30,000", "4": "2 Feb 2026"}


def test_a_parents_answer_is_sent_before_a_waiting_campaign(session, factory, term_school):
    from ledger.messaging.outbox import claim_due, enqueue

    school, term = term_school["school"], term_school["term"]
    run_schedule(session, school.id, term.id, at(d(2, 2), 9))  # five reminders, queued first
    enqueue(session, dedupe_key="reply:1", phone="+254700000009", body="Salio KES 0", category=Category.REPLY,
            now=at(d(2, 2), 9, 5))  # fmt: skip
    session.commit()
    claimed = claim_due(session, now=at(d(2, 2), 9, 6), limit=2)
    assert [m.category for m in claimed] == [Category.REPLY, Category.REMINDER]
