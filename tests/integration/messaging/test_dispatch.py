"""The dispatcher with fake senders (our own ports): outcomes recorded, retries with backoff, recovery."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import Registry, SmsHandler
from bot.channels.handlers.twilio import TwilioWhatsAppHandler
from bot.outbox.dispatcher import BACKOFF_SECONDS, MAX_ATTEMPTS, Dispatcher
from bot.outbox.ratelimit import LocalRateLimiter, Unlimited
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, claim_due, enqueue, mark_in_flight
from providers.messaging import SendResult, TransientSendError


class FakeSms:
    def __init__(self, script=()):
        self.script = list(script)  # what each call does: "ok", "transient", or a refusal reason
        self.sent: list[tuple[str, str]] = []

    def send_sms(self, to, body, *, sender_id=None):
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome == "transient":
            raise TransientSendError("HTTP 429 Too Many Requests")
        if outcome != "ok":
            return SendResult(accepted=False, status="InvalidSenderId", reason=outcome)
        self.sent.append((to, body))
        return SendResult(accepted=True, provider_id=f"ATXid_{len(self.sent)}", status="Success")


class FakeWhatsApp:
    def __init__(self):
        self.texts, self.templates = [], []

    def send_whatsapp(self, to, body, media_url=None, sender=None):
        self.texts.append((to, body))
        return SendResult(accepted=True, provider_id=f"SM{len(self.texts)}", status="queued")

    def send_template(self, to, template_id, variables, sender=None):
        self.templates.append((to, template_id))
        return SendResult(accepted=True, provider_id=f"SMT{len(self.templates)}", status="queued")


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def add(factory, clock, n=1, **fields):
    with factory.begin() as session:
        for i in range(n):
            enqueue(
                session,
                dedupe_key=f"m{i}:{fields}",
                phone=f"+2547120000{i:02d}",
                body=f"hello {i}",
                category=Category.REPLY,
                now=clock(),
                **fields,
            )


def rows(factory):
    with factory() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def dispatcher(factory, clock, sms, whatsapp=None, window=lambda phone: False):
    senders = Registry(
        [AfricasTalkingSmsHandler(sms)] + ([TwilioWhatsAppHandler(whatsapp)] if whatsapp else [])
    )
    return Dispatcher(factory, senders, Unlimited(), clock, whatsapp_window_open=window)


def test_accepted_and_refused_messages_are_recorded(factory, clock):
    add(factory, clock, 2)
    sms = FakeSms(["ok", "InvalidSenderId (402)"])
    report = dispatcher(factory, clock, sms).run()
    first, second = rows(factory)
    assert (report.sent, report.refused) == (1, 1)
    assert (first.status, first.provider_id) == (MessageStatus.SENT, "ATXid_1")
    assert (second.status, second.failure_reason) == (MessageStatus.FAILED, "InvalidSenderId (402)")


def test_a_transient_failure_is_retried_after_a_backoff_then_given_up(factory, clock):
    add(factory, clock)
    sms = FakeSms(["transient"] * MAX_ATTEMPTS)
    worker = dispatcher(factory, clock, sms)
    worker.run()
    (row,) = rows(factory)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) == clock() + dt.timedelta(seconds=BACKOFF_SECONDS[0])
    assert worker.run().retried == 0  # not due yet
    for wait in BACKOFF_SECONDS:
        clock.now += dt.timedelta(seconds=wait)
        worker.run()
    (row,) = rows(factory)
    assert row.status == MessageStatus.FAILED and row.failure_reason.startswith("gave up after 6 tries")
    assert sms.sent == []


def test_a_429_then_success_sends_once(factory, clock):
    add(factory, clock)
    sms = FakeSms(["transient", "ok"])
    worker = dispatcher(factory, clock, sms)
    worker.run()
    clock.now += dt.timedelta(seconds=BACKOFF_SECONDS[0])
    worker.run()
    assert [r.status for r in rows(factory)] == [MessageStatus.SENT] and len(sms.sent) == 1


def test_whatsapp_inside_the_window_template_outside_else_sms(factory, clock):
    with factory.begin() as session:
        enqueue(
            session, dedupe_key="open", phone="+254712000001", body="a", category=Category.REPLY, now=clock()
        )
        enqueue(
            session,
            dedupe_key="closed",
            phone="+254712000002",
            body="b",
            category=Category.REPLY,
            now=clock(),
        )
        templated, _ = enqueue(
            session,
            dedupe_key="tpl",
            phone="+254712000003",
            body="c",
            category=Category.REMINDER,
            now=clock(),
        )
        templated.template_id = "HX123"
        enqueue(
            session,
            dedupe_key="sms-only",
            phone="+254712000001",
            body="d",
            category=Category.REPLY,
            now=clock(),
            channel="sms",
        )
    sms, whatsapp = FakeSms(), FakeWhatsApp()
    dispatcher(factory, clock, sms, whatsapp, window=lambda phone: phone == "+254712000001").run()
    assert whatsapp.texts == [("+254712000001", "a")]
    assert whatsapp.templates == [("+254712000003", "HX123")]
    assert sms.sent == [("+254712000002", "b"), ("+254712000001", "d")]


class Lookup:
    def __init__(self, sent):
        self.sent = sent

    def find_sent(self, to, body, since):
        return self.sent.get((to, body))


def test_recovery_after_a_worker_died_sends_nothing_twice_and_loses_nothing(factory, clock):
    add(factory, clock, 4)
    with factory.begin() as session:  # a worker claimed all four, started two, finished none, then died
        claimed = claim_due(session, now=clock(), limit=10)
        for row in claimed[:2]:
            mark_in_flight(row, provider="africastalking", channel="sms", now=clock())
    provider_got = {(claimed[0].phone, claimed[0].body): "ATXid_before_crash"}  # the first had reached it
    clock.now += dt.timedelta(minutes=6)
    sms = FakeSms()
    worker = dispatcher(factory, clock, sms)
    assert worker.recover({"africastalking": Lookup(provider_got)}) == (3, 1, 0)
    worker.run()
    assert [r.status for r in rows(factory)] == [MessageStatus.SENT] * 4
    assert rows(factory)[0].provider_id == "ATXid_before_crash"
    assert sorted(body for _, body in sms.sent) == ["hello 1", "hello 2", "hello 3"]


def test_without_a_way_to_ask_the_provider_an_interrupted_send_is_left_for_review(factory, clock):
    add(factory, clock)
    with factory.begin() as session:
        (row,) = claim_due(session, now=clock(), limit=1)
        mark_in_flight(row, provider="africastalking", channel="sms", now=clock())
    clock.now += dt.timedelta(minutes=6)
    assert dispatcher(factory, clock, FakeSms()).recover({}) == (0, 0, 1)
    (row,) = rows(factory)
    assert row.status == MessageStatus.FAILED and "check before resending" in row.failure_reason


def test_local_rate_limit_spaces_sends():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        now[0] += seconds

    limiter = LocalRateLimiter({"africastalking": 4}, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire("africastalking")
    limiter.acquire("twilio")  # no limit configured
    assert slept == [0.25, 0.25, 0.25, 0.25]


def test_redis_rate_limit_is_shared_by_workers():
    from redis import Redis

    from bot.outbox.ratelimit import RedisRateLimiter
    from tests.conftest import REDIS_URL

    redis = Redis.from_url(REDIS_URL)
    for key in redis.scan_iter("karo:test-rate:*"):
        redis.delete(key)
    now = [1_000_000.25]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 2))
        now[0] += seconds

    workers = [
        RedisRateLimiter(redis, {"twilio": 2}, prefix="karo:test-rate:", clock=lambda: now[0], sleep=sleep)
        for _ in range(2)
    ]
    for worker in workers * 2:  # four sends from two workers at a rate of two a second
        worker.acquire("twilio")
    redis.close()
    assert slept == [0.75]


def test_a_new_provider_is_one_handler_in_the_registry(factory, clock):
    class NewcoSms(SmsHandler):
        provider = "newco"

    add(factory, clock)
    sms = FakeSms(["ok"])
    report = Dispatcher(factory, Registry([NewcoSms(sms)]), Unlimited(), clock).run()
    (row,) = rows(factory)
    assert report.sent == 1
    assert (row.status, row.provider, row.channel) == (MessageStatus.SENT, "newco", "sms")
    assert sms.sent == [(row.phone, row.body)]


def test_a_registry_without_sms_is_refused_since_every_message_may_fall_back_to_it():
    with pytest.raises(ValueError, match="SMS"):
        Registry([TwilioWhatsAppHandler(FakeWhatsApp())])
