"""The schedulers' leader lock on real Redis: one enqueues; a standby takes over, keeping the timetable."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from redis import Redis
from rq import Queue

from bot.jobs.leader import LEADER_KEY, LeaderCronScheduler, LeaderLock
from tests.conftest import SPARE_REDIS_URL, flushed_redis


def tick() -> None:
    """A periodic job (never run here: only its enqueues are counted)."""


@pytest.fixture
def redis() -> Iterator[Redis]:
    yield from flushed_redis(SPARE_REDIS_URL)


def scheduler(redis: Redis, lease: float = 30) -> LeaderCronScheduler:
    cron = LeaderCronScheduler(redis, lease_seconds=lease)
    cron.register(tick, queue_name="default", interval=600)
    cron.register_birth()  # as ``start()`` does
    return cron


def queued(redis: Redis) -> int:
    return Queue("default", connection=redis).count


def test_only_the_leader_enqueues(redis: Redis) -> None:
    first, second = scheduler(redis), scheduler(redis)
    assert [len(first.enqueue_jobs()), len(second.enqueue_jobs())] == [1, 0]
    assert (first.leading, second.leading) == (True, False)
    assert redis.get(LEADER_KEY) == first.name.encode()
    assert [len(first.enqueue_jobs()), len(second.enqueue_jobs())] == [0, 0]  # not due for ten minutes
    assert queued(redis) == 1


def test_a_standby_taking_over_carries_on_the_timetable(redis: Redis) -> None:
    first, second = scheduler(redis), scheduler(redis)
    first.enqueue_jobs()
    second.enqueue_jobs()
    first.register_death()  # a clean stop gives the lease up at once
    assert second.enqueue_jobs() == [] and second.leading  # leads, but the job was enqueued a moment ago
    (job,) = second.get_jobs()
    (enqueued,) = first.get_jobs()
    assert job.next_enqueue_time is not None and enqueued.next_enqueue_time is not None
    # Due when it was under the first (the history keeps the job's enqueue time, a moment later).
    assert abs(job.next_enqueue_time - enqueued.next_enqueue_time) < dt.timedelta(seconds=1)
    assert queued(redis) == 1


def test_a_dead_leaders_lease_runs_out_and_it_cannot_take_the_lease_back(redis: Redis) -> None:
    first, second = LeaderLock(redis, "first", lease_seconds=0.2), LeaderLock(redis, "second")
    assert first.hold() and not second.hold()
    time.sleep(0.3)  # the first stalled past its lease
    assert second.hold() and not first.hold()
    first.release()  # releases nothing of the second's
    assert redis.get(LEADER_KEY) == b"second"


def test_the_sleep_between_rounds_is_short_enough_to_renew_the_lease(redis: Redis) -> None:
    cron = scheduler(redis, lease=3)
    cron.enqueue_jobs()
    assert 0 < cron.calculate_sleep_interval() <= 1
