"""Announcements through the real outbox dispatcher and the Africa's Talking adapter, over HTTP to the
simulator: the preview's SMS parts and cost are what the network then bills, quiet hours hold the messages
until they end, opt-outs are honoured, leavers' families are an audience of their own, and eight sends racing
on PostgreSQL queue each family once."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.channels.chat import window_key
from bot.channels.conversations import RedisConversationStore
from bot.outbox.senders import build_dispatcher, whatsapp_window
from ledger.clock import NAIROBI
from ledger.messaging.announcement_reports import SMS_PART_CENTS, counts, delivery, preview
from ledger.messaging.announcements import Announcement, Audience, Texts, announce, families
from ledger.messaging.bus import session_factory
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from ledger.records.parents import ANNOUNCEMENTS, EVERYTHING, SMS
from ledger.records.tables import Channel, Guardian, Language, School
from tests import builders as b
from tests.e2e.test_messaging import simulated_settings
from tests.integration.ledger.test_concurrency import threaded_factory
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

FREE = {"africastalking": 0, "twilio": 0}
# Two GSM-7 parts once the typographic apostrophe is made plain; the Kiswahili one is UCS-2 for its ũ.
EN = "Parents’ meeting on Saturday 14 March at 10am in the school hall. " * 3 + "Please come."
SW = "Mkutano wa wazazi Jumamosi tarehe 14 Machi saa nne asubuhi, ukumbini. Karibu Mũthoni."
QUIET = dt.datetime(2026, 3, 2, 21, 0, tzinfo=NAIROBI)  # Kilimani's quiet hours: 20:00-07:00
MORNING = dt.datetime(2026, 3, 3, 7, 0, tzinfo=NAIROBI)


def seed(session) -> School:
    school = b.school(session, slug="kilimani")
    school.name = "Kilimani"
    grade4, grade5 = b.school_class(session, school, "Grade 4"), b.school_class(session, school, "Grade 5")
    pupils = [b.student(session, grade4 if n % 2 else grade5, f"KJA-{n}", f"Child {n}") for n in range(7)]
    b.guardian(session, school, "+254711000001", pupils[0], pupils[1], name="A Two Children")
    b.guardian(session, school, "+254711000002", pupils[2], name="B Kiswahili").language = Language.SW
    for n, stop in ((3, ANNOUNCEMENTS), (4, EVERYTHING), (5, SMS)):
        b.guardian(session, school, f"+25471100000{n}", pupils[n], name=f"C Stopped {stop}").opted_out = [
            stop
        ]
    b.guardian(session, school, "+254711000006", pupils[6], name="D Leaver")
    pupils[6].active, pupils[6].left_on = False, dt.date(2026, 2, 1)
    session.commit()
    return school


@pytest.fixture
def services(engine, redis, at_sim, twilio_sim):  # noqa: F811
    return bootstrap(simulated_settings(at_sim, twilio_sim), engine=engine, redis=redis)


def test_preview_is_what_is_billed_after_quiet_hours_and_opt_outs_get_nothing(services, at_sim):  # noqa: F811
    with services.sessions() as session:
        school = seed(session)
        texts, everyone = Texts(EN, SW), Audience()
        shown = preview(session, school, everyone, texts)
        assert (shown.families, shown.by_channel, shown.opted_out) == (2, {"sms": 2}, 3)
        assert shown.parts == {Language.EN: 2, Language.SW: 2} and shown.ucs2 == [Language.SW]
        made, queued = announce(session, school, everyone, texts, author="head@kilimani", now=QUIET)
        session.commit()
        assert queued == 3  # the guardian who stopped SMS only is refused when it would go by SMS
    dispatcher = build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE)
    dispatcher.clock = lambda: QUIET
    held = dispatcher.run()
    assert (held.postponed, held.refused, held.sent, at_sim.messages()) == (2, 1, 0, [])
    with services.sessions() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED))
        assert {m.next_attempt_at for m in waiting} == {MORNING.astimezone(dt.UTC)}
    dispatcher.clock = lambda: MORNING
    assert dispatcher.run().sent == 2
    billed = at_sim.messages()
    assert sorted(m["to"] for m in billed) == ["+254711000001", "+254711000002"]
    assert sum(m["segments"] for m in billed) == shown.sms_parts == 4
    at_cost = round(sum(m["segments"] * 0.8 for m in billed) * 100)  # the simulator's KES 0.80 a part
    assert shown.cost_cents == at_cost == 4 * SMS_PART_CENTS
    with services.sessions() as session:
        rows = delivery(session, session.get_one(Announcement, made.id))
    assert counts(rows) == {"queued": 0, "sent": 2, "delivered": 0, "failed": 1}
    assert [(r.name, r.status) for r in rows] == [
        ("A Two Children", "sent"),
        ("B Kiswahili", "sent"),
        ("C Stopped sms", "failed"),
    ]


def test_a_parent_preferring_whatsapp_inside_the_window_gets_it_there_and_costs_no_sms_parts(
    services,
    at_sim,  # noqa: F811
    twilio_sim,  # noqa: F811
):
    store = RedisConversationStore(services.redis)
    store.save(window_key("+254711000001"), {"at": MORNING.isoformat()}, 3600)  # A wrote on WhatsApp
    store.save(window_key("+254711000002"), {"at": MORNING.isoformat()}, 3600)  # so did B, who prefers SMS
    with services.sessions() as session:
        school = seed(session)
        a = session.scalars(select(Guardian).where(Guardian.phone == "+254711000001")).one()
        a.preferred_channel = Channel.WHATSAPP
        shown = preview(session, school, Audience(), Texts(EN, SW), whatsapp_window(services, store))
        assert shown.by_channel == {"sms": 1, "whatsapp": 1} and shown.sms_parts == 2  # B's Kiswahili
        announce(session, school, Audience(), Texts(EN, SW), author="head", now=MORNING)
        session.commit()
    dispatcher = build_dispatcher(services, store, rates=FREE)
    dispatcher.clock = lambda: MORNING
    assert dispatcher.run().sent == 2
    assert [(m["to"], m["segments"]) for m in at_sim.messages()] == [("+254711000002", shown.sms_parts)]
    assert [m["to"] for m in twilio_sim.messages()] == ["whatsapp:+254711000001"]


def test_leavers_are_an_audience_of_their_own(engine):
    with session_factory(engine)() as session:
        school = seed(session)
        assert [f.name for f in families(session, school, Audience(leavers=True))] == ["D Leaver"]
        named = [f.name for f in families(session, school, Audience(classes=("Grade 4",)))]
        assert named == ["A Two Children", "C Stopped announcements", "C Stopped sms"]


def test_eight_sends_at_once_queue_each_family_once(pg):
    factory = threaded_factory(pg)
    with factory() as session:
        school_id = seed(session).id
    barrier = Barrier(8)

    def press(_: int) -> int:
        with factory() as session:
            school = session.get_one(School, school_id)
            barrier.wait()
            _, queued = announce(session, school, Audience(), Texts("Sports day Friday."), author="t",
                                 now=MORNING)  # fmt: skip
            session.commit()
            return queued

    with ThreadPoolExecutor(8) as pool:
        queued = list(pool.map(press, range(8)))
    with factory() as session:
        keys = list(session.scalars(select(OutboxMessage.dedupe_key)))
        assert len(list(session.scalars(select(Announcement)))) == 1
    assert len(keys) == len(set(keys)) == 3  # current families that did not stop announcements
    assert sum(queued) == 3  # each message counted by the send that wrote it
