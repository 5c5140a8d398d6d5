"""The retention purge as the scheduler runs it: on RQ's cron once a day and run by a worker (a second run
removes nothing), and in-process when there is no Redis."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.bootstrap import bootstrap
from bot.channels.tables import UssdSessionReport
from bot.commands.processes import register_cron_jobs
from bot.jobs.retention import PURGE_CRON, purge_old_data
from bot.jobs.schedule import InProcessSchedule
from bot.settings import Settings, get_settings
from tests.conftest import PG_URL, REDIS_URL
from tests.integration.ledger.privacy_world import NOW, world


def reports(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(UssdSessionReport)) or 0


def test_the_scheduler_purges_once_a_day() -> None:
    cron = CronScheduler(connection=Redis.from_url(REDIS_URL))
    register_cron_jobs(cron)
    schedules = {job.func_name: job.cron for job in cron.get_jobs()}
    assert schedules["bot.jobs.retention.purge_old_data"] == PURGE_CRON


def test_in_process_the_purge_runs_with_the_schedule(engine: Engine) -> None:
    with Session(engine) as session:
        world(session).keep_ussd_days = 60
        session.commit()
    services = bootstrap(Settings(database_url="sqlite://"), engine=engine)
    InProcessSchedule(services, clock=lambda: NOW).purge()
    assert reports(engine) == 2  # the two 100-day-old reports went, the 30-day-old stayed


def test_a_worker_runs_the_purge_job(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(pg) as session:
        world(session)
    monkeypatch.setenv("KARO_DATABASE_URL", PG_URL)
    monkeypatch.setenv("KARO_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    queue = Queue("default", connection=redis)
    try:
        runs = [queue.enqueue(purge_old_data, at=NOW.isoformat()) for _ in range(2)]
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert [run.return_value() for run in runs] == [9, 0]  # 2 each of sessions, bodies in and out,
        # delivery details, and an audit row; then nothing more
    finally:
        get_settings.cache_clear()
        redis.flushdb()
    assert reports(pg) == 2  # the default 90 days: the 100-day-old reports went
