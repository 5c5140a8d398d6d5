"""The end-of-day summary by SMS as the scheduler sends it: registered on RQ's cron every quarter hour and
run by a worker, or in-process with the reminders; nothing before the school's close hour, one message per
phone after it, and a day run twice sends once."""

from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.bootstrap import bootstrap
from bot.commands.processes import register_cron_jobs
from bot.jobs.daily_close import DAILY_CLOSE_SECONDS, send_daily_closes
from bot.jobs.schedule import InProcessSchedule
from bot.settings import Settings, get_settings
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School
from ledger.sms_parts import sms_segments
from tests import builders as b
from tests.conftest import PG_URL, REDIS_URL
from tests.integration.messaging.test_dispatch import FakeSms, FakeWhatsApp, dispatcher

DAY = dt.date(2026, 2, 10)
PHONES = "+254711000001,+254722000002"


def nairobi(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 2, 10, hour - 3, minute, tzinfo=dt.UTC)


def school_with_a_day(engine: Engine, phones: str | None = PHONES) -> None:
    with Session(engine) as session:
        school = b.school(session, slug="kilimani", paybill="522522")
        school.name, school.close_phones, school.close_hour = "Kilimani Junior Academy", phones, 18
        grade = b.school_class(session, school, "Grade 1")
        b.term(session, school, "2026-1")
        pupil = b.student(session, grade, "K1")
        for ref, source in (("QK1", PaymentSource.MPESA_STK), ("CASH1", PaymentSource.CASH)):
            paid = Received(source, ref, 1_500_00, DAY)
            record_payment(session, school.id, paid, pupil, actor="t", notify=False)
        session.commit()


def summaries(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.category == Category.DAILY_CLOSE)
        return list(session.scalars(query.order_by(OutboxMessage.phone)))


def test_the_scheduler_writes_the_close_every_quarter_hour() -> None:
    cron = CronScheduler(connection=Redis.from_url(REDIS_URL))
    register_cron_jobs(cron)
    schedules = {job.func_name: job.interval for job in cron.get_jobs()}
    assert schedules["bot.jobs.daily_close.send_daily_closes"] == DAILY_CLOSE_SECONDS == 900


def test_in_process_the_close_goes_after_the_close_hour_once_per_phone(engine: Engine) -> None:
    school_with_a_day(engine)
    services = bootstrap(Settings(database_url="sqlite://"), engine=engine)
    InProcessSchedule(services, clock=lambda: nairobi(17, 45)).run_once()
    assert summaries(engine) == []
    for at in (nairobi(18, 5), nairobi(18, 35)):  # a day run twice sends once
        InProcessSchedule(services, clock=lambda at=at: at).run_once()
    sent = summaries(engine)
    assert [m.phone for m in sent] == PHONES.split(",")
    body = sent[0].body
    assert sent[0].channel == "sms" and sent[0].body == sent[1].body and sms_segments(body) <= 2
    assert "KES 3,000 in" in body and "STK 1,500, Cash 1,500" in body
    with Session(engine) as session:
        prefix = session.scalars(select(School)).one().slug.upper()[:3]
    assert f"Receipts {prefix}-2026-000001..000002 (2)" in body
    sms = FakeSms()  # the staff phones are no guardians': the summary still goes, by SMS
    dispatcher(
        services.sessions, lambda: nairobi(18, 40), sms, FakeWhatsApp(), window=lambda phone: True
    ).run()
    assert sorted(sms.sent) == [(phone, body) for phone in PHONES.split(",")]


@pytest.mark.postgres_only
def test_a_worker_runs_the_close_job(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    school_with_a_day(pg)
    monkeypatch.setenv("KARO_DATABASE_URL", PG_URL)
    monkeypatch.setenv("KARO_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    queue = Queue("default", connection=redis)
    try:
        runs = [queue.enqueue(send_daily_closes, at=at.isoformat()) for at in (nairobi(12), nairobi(19))]
        runs.append(queue.enqueue(send_daily_closes, at=nairobi(19, 15).isoformat()))
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert [run.return_value() for run in runs] == [{"kilimani": 0}, {"kilimani": 2}, {"kilimani": 0}]
    finally:
        get_settings.cache_clear()
        redis.flushdb()
    assert len(summaries(pg)) == 2
