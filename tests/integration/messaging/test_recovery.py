"""Recovery after a worker died, with the real Twilio adapter asking the Twilio simulator what it took."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import Registry
from bot.channels.handlers.twilio import TwilioSmsHandler, TwilioWhatsAppHandler
from bot.outbox.dispatcher import LEASE, Dispatcher
from bot.outbox.ratelimit import Unlimited
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, claim_due, enqueue, mark_in_flight
from providers.africastalking import AfricasTalkingSms
from providers.messaging import SendResult
from providers.twilio import TwilioMessaging
from tests.integration.providers.conftest import twilio_server, twilio_sim  # noqa: F401

ACCOUNT, TOKEN = "AC" + "0" * 32, "simulator-token"
PARENTS = ("+254712000001", "+254712000002", "+254712000003")


class Clock:
    """Real time to start with (Twilio's list is dated by its own clock), moved on by hand."""

    def __init__(self):
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def twilio(twilio_sim):  # noqa: F811
    twilio_sim.configure(delay=0.0)
    return TwilioMessaging(ACCOUNT, TOKEN, twilio_sim.url, "+15005550006", "+14155238886")


def senders(twilio):
    return Registry([TwilioSmsHandler(twilio), TwilioWhatsAppHandler(twilio)])


def add(factory, clock, channel="sms"):
    with factory.begin() as session:
        for n, phone in enumerate(PARENTS):
            enqueue(
                session,
                dedupe_key=f"receipt:{n}:{channel}",
                phone=phone,
                body=f"Received KES {n + 1},000 for Achieng. Thank you.",
                category=Category.RECEIPT,
                now=clock(),
                channel=channel,
            )


def die_mid_batch(factory, clock, twilio, channel="sms"):
    """A worker claims all three, hands the first two to Twilio, and dies: Twilio got only the first."""
    with factory.begin() as session:
        first, second, _ = claim_due(session, now=clock(), limit=10)
        for row in (first, second):
            mark_in_flight(row, provider="twilio", channel=channel, now=clock())
        body = first.body
    send = twilio.send_whatsapp if channel == "whatsapp" else twilio.send_sms
    return send(PARENTS[0], body).provider_id


def rows(factory):
    with factory() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_what_twilio_took_is_recorded_and_the_rest_is_sent_once(factory, clock, twilio, twilio_sim, channel):  # noqa: F811
    add(factory, clock, channel)
    taken = die_mid_batch(factory, clock, twilio, channel)
    clock.now += LEASE + dt.timedelta(minutes=1)
    worker = Dispatcher(factory, senders(twilio), Unlimited(), clock, whatsapp_window_open=lambda phone: True)

    assert worker.recover(worker.channels.lookups()) == (2, 1, 0)  # two requeued, one found at Twilio
    assert worker.run().sent == 2
    got = twilio_sim.messages()
    assert sorted(m["to"].removeprefix("whatsapp:") for m in got) == sorted(PARENTS)  # each once
    by_phone = {m["to"].removeprefix("whatsapp:"): m["sid"] for m in got}
    assert [(r.status, r.provider_id) for r in rows(factory)] == [
        (MessageStatus.SENT, by_phone[phone]) for phone in PARENTS
    ]
    assert rows(factory)[0].provider_id == taken


def test_a_twilio_that_cannot_answer_leaves_the_send_to_be_checked_later(factory, clock, twilio, twilio_sim):  # noqa: F811
    add(factory, clock)
    taken = die_mid_batch(factory, clock, twilio)
    clock.now += LEASE + dt.timedelta(minutes=1)
    unreachable = TwilioMessaging(ACCOUNT, TOKEN, "http://127.0.0.1:9", "+15005550006", timeout=1)
    worker = Dispatcher(factory, senders(twilio), Unlimited(), clock)

    assert worker.recover({"twilio": unreachable}) == (1, 0, 0)  # only the one never handed over
    assert [r.status for r in rows(factory)[:2]] == [MessageStatus.SENDING] * 2  # undecided, not given up
    assert worker.recover(worker.channels.lookups()) == (1, 1, 0)
    assert rows(factory)[0].provider_id == taken


def test_only_providers_that_can_list_their_messages_are_asked(twilio):
    at = AfricasTalkingSms("sandbox", "simulator-key", "http://127.0.0.1:9")

    assert Registry([AfricasTalkingSmsHandler(at), TwilioWhatsAppHandler(twilio)]).lookups() == {
        "twilio": twilio
    }
    assert Registry([AfricasTalkingSmsHandler(at)]).lookups() == {}


class CountingSms:
    def __init__(self):
        self.sent = []

    def send_sms(self, to, body, *, sender_id=None):
        self.sent.append(to)
        return SendResult(accepted=True, provider_id=f"ATXid_{len(self.sent)}", status="Success")


class StallOnce:
    """A rate limiter that, the first time, stalls past the lease while another worker recovers and sends."""

    def __init__(self, during_stall):
        self.during_stall = during_stall

    def acquire(self, provider, before_waiting=None):
        stall, self.during_stall = self.during_stall, None
        if stall:
            if before_waiting:
                before_waiting()
            stall()


def test_a_worker_stalled_past_its_lease_does_not_send_what_recovery_took_back(factory, clock):
    add(factory, clock)
    sms = CountingSms()
    quick = Dispatcher(factory, Registry([AfricasTalkingSmsHandler(sms)]), Unlimited(), clock)

    def meanwhile():
        clock.now += LEASE + dt.timedelta(minutes=1)
        assert quick.recover({}) == (3, 0, 0)
        assert quick.run().sent == 3

    stalled = Dispatcher(factory, Registry([AfricasTalkingSmsHandler(sms)]), StallOnce(meanwhile), clock)
    assert stalled.run().sent == 0
    assert sorted(sms.sent) == sorted(PARENTS)  # once each, by the worker that recovered them
    assert {r.status for r in rows(factory)} == {MessageStatus.SENT}


class NothingSent:
    def find_sent(self, to, body, since):
        self.asked = to
        return None


def test_an_interrupted_template_not_found_by_its_text_is_left_for_review(factory, clock):
    with factory.begin() as session:
        row, _ = enqueue(
            session,
            dedupe_key="reminder:1",
            phone=PARENTS[0],
            body="Fees reminder for Achieng",
            category=Category.REMINDER,
            now=clock(),
        )
        row.template_id = "HX" + "b" * 32
        (row,) = claim_due(session, now=clock(), limit=1)
        mark_in_flight(row, provider="twilio", channel="whatsapp", now=clock())
    clock.now += LEASE + dt.timedelta(minutes=1)
    lookup = NothingSent()
    worker = Dispatcher(factory, Registry([AfricasTalkingSmsHandler(CountingSms())]), Unlimited(), clock)

    # Twilio lists a template in the template's own words, so "not found" proves nothing: never resend.
    assert worker.recover({"twilio": lookup}) == (0, 0, 1)
    assert lookup.asked == f"whatsapp:{PARENTS[0]}"
    (row,) = rows(factory)
    assert row.status == MessageStatus.FAILED and "check before resending" in row.failure_reason
