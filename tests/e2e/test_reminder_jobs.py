"""The scheduled jobs as RQ runs them: registered on the cron scheduler, run by a worker on real Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.commands.processes import register_cron_jobs
from bot.jobs.periodic import send_reminders
from bot.jobs.schedule import FEE_RULES_CRON, REMINDERS_SECONDS, InProcessSchedule
from bot.settings import get_settings
from ledger.billing.invoicing import invoice_class
from ledger.messaging.outbox import Category, OutboxMessage
from tests import builders as b
from tests.conftest import PG_URL, REDIS_URL


def test_the_scheduler_runs_reminders_every_half_hour_and_late_fees_each_morning() -> None:
    cron = CronScheduler(connection=Redis.from_url(REDIS_URL))
    register_cron_jobs(cron)
    schedules = {job.func_name: (job.interval, job.cron) for job in cron.get_jobs()}
    assert (
        schedules["bot.jobs.periodic.send_reminders"] == (REMINDERS_SECONDS, None)
        and REMINDERS_SECONDS == 1800
    )
    assert (
        schedules["bot.jobs.fees.apply_fee_rules"] == (None, FEE_RULES_CRON) and FEE_RULES_CRON == "0 3 * * *"
    )


@pytest.mark.postgres_only
def test_a_worker_runs_the_reminder_job_for_every_school(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(pg) as session:
        for slug in ("one", "two"):
            school = b.school(session, slug=slug, paybill="522522")
            grade = b.school_class(session, school, "Grade 1")
            term = b.term(session, school, "2026-1")
            b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 9_000_00})
            for n in range(3):
                b.guardian(
                    session,
                    school,
                    f"+25471{slug == 'two':d}00000{n}",
                    b.student(session, grade, f"{slug}{n}"),
                )
            invoice_class(session, grade, term, actor="t")
        session.commit()
    monkeypatch.setenv("KARO_DATABASE_URL", PG_URL)
    monkeypatch.setenv("KARO_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    queue = Queue("default", connection=redis)
    try:
        job = queue.enqueue(send_reminders, at="2026-02-02T07:00:00+00:00")
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert job.return_value() == {"one": 3, "two": 3}
        again = queue.enqueue(send_reminders, at="2026-02-02T09:00:00+00:00")
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert again.return_value() == {"one": 0, "two": 0}
    finally:
        get_settings.cache_clear()
        redis.flushdb()
    with Session(pg) as session:
        count = (
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.category == Category.REMINDER)
        )
        assert session.scalar(count) == 6


def test_without_redis_one_round_of_the_schedule_posts_late_fees_then_reminds(engine: Engine) -> None:
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from ledger.billing.fee_rules import RuleChanges, set_rules

    with Session(engine) as session:
        school = b.school(session, slug="embedded", paybill="522522")
        grade = b.school_class(session, school, "Grade 1")
        term = b.term(session, school, "2026-1")  # due 19 Jan
        b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 9_000_00})
        b.guardian(session, school, "+254711000001", b.student(session, grade, "E1"))
        set_rules(session, school.id, RuleChanges(late_fee_cents=500_00, grace_days=7))
        invoice_class(session, grade, term, actor="t")
        session.commit()
    services = bootstrap(Settings(database_url="sqlite://"), engine=engine)
    schedule = InProcessSchedule(services, clock=lambda: dt.datetime(2026, 2, 2, 7, 0, tzinfo=dt.UTC))
    schedule.run_once()
    schedule.run_once()  # a second round adds nothing
    with Session(engine) as session:
        reminders = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.category == Category.REMINDER)
        ).all()
    assert len(reminders) == 1 and "Total KES 9,500 was due 19 Jan 2026" in reminders[0]
