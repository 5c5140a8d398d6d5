"""Outgoing webhooks with Redis: the scheduler enqueues the delivery job every 15 s and a worker runs it,
POSTing what is due to the school's system (a real receiver)."""

# ruff: noqa: F811  (pytest fixtures imported, then named as arguments)
from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy.engine import Engine

from bot.commands.processes import register_cron_jobs
from bot.settings import Settings, get_settings
from bot.webhooks_out.compose import DELIVER_EVERY_SECONDS, deliver_webhooks
from bot.webhooks_out.sealing import webhook_box
from ledger.books.tables import PaymentSource
from ledger.messaging.bus import session_factory
from ledger.messaging.webhooks import create_endpoint
from ledger.payments.recording import Received, record_payment
from tests import builders as b
from tests.conftest import PG_URL, REDIS_URL
from tests.integration.webhooks_out.receiver import Receiver, receiver, receiver_server  # noqa: F401

SECRET_KEY = "worker-webhook-key"


def test_the_scheduler_enqueues_the_webhook_deliveries_every_quarter_minute() -> None:
    cron = CronScheduler(connection=Redis.from_url(REDIS_URL))
    register_cron_jobs(cron)
    schedules = {job.func_name: job.interval for job in cron.get_jobs()}
    assert schedules["bot.webhooks_out.compose.deliver_webhooks"] == DELIVER_EVERY_SECONDS == 15


def test_a_worker_delivers_what_is_due(
    pg: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = webhook_box(Settings(database_url=PG_URL, secret_key=SecretStr(SECRET_KEY)))
    with session_factory(pg).begin() as session:
        school = b.school(session, slug="worker")
        grade = b.school_class(session, school, "Grade 1")
        pupil = b.student(session, grade, "W-1")
        now = dt.datetime.now(dt.UTC)
        new = create_endpoint(
            session,
            school.id,
            url=receiver.url,
            events=["payment.received"],
            seal=box.seal,
            actor="t",
            now=now,
        )
        record_payment(
            session, school.id, Received(PaymentSource.CASH, "C-1", 100_00, now.date()), pupil, actor="t"
        )
    monkeypatch.setenv("KARO_DATABASE_URL", PG_URL)
    monkeypatch.setenv("KARO_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("KARO_SECRET_KEY", SECRET_KEY)
    get_settings.cache_clear()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    queue = Queue("default", connection=redis)
    try:
        job = queue.enqueue(deliver_webhooks)
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert job.return_value() == {"delivered": 1, "failed": 0, "requeued": 0}
    finally:
        get_settings.cache_clear()
        redis.flushdb()
    (received,) = receiver.received
    assert received.signed_with(new.secret) and received.json["data"]["admission_no"] == "W-1"
