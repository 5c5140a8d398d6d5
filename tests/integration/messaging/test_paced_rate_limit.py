"""The rate limit the workers share through Redis: sends spaced evenly, never a burst."""

from __future__ import annotations

import pytest

from bot.outbox.ratelimit import RedisPacedRateLimiter
from tests.conftest import SPARE_REDIS_URL, flushed_redis

REDIS_URL = SPARE_REDIS_URL  # flushed before and after


class Clock:
    def __init__(self) -> None:
        self.now = 1_763_786_400.25
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 4))
        self.now += seconds


@pytest.fixture
def redis():
    yield from flushed_redis(REDIS_URL)


def limiters(redis, clock, count, rates):
    return [RedisPacedRateLimiter(redis, rates, clock=clock, sleep=clock.sleep) for _ in range(count)]


def test_two_workers_share_one_even_schedule(redis):
    clock = Clock()
    for worker in limiters(redis, clock, 2, {"twilio": 4}) * 3:  # six sends at four a second
        worker.acquire("twilio")
    assert clock.slept == [0.25] * 5


def test_time_nobody_used_is_not_saved_up_for_a_burst(redis):
    clock = Clock()
    (worker,) = limiters(redis, clock, 1, {"africastalking": 10})
    worker.acquire("africastalking")
    clock.now += 60  # an idle minute
    for _ in range(3):
        worker.acquire("africastalking")
    assert clock.slept == [0.1, 0.1]


def test_each_provider_has_its_own_schedule_and_no_rate_means_no_limit(redis):
    clock = Clock()
    (worker,) = limiters(redis, clock, 1, {"twilio": 2, "africastalking": 0})
    for provider in ("twilio", "africastalking", "africastalking", "twilio"):
        worker.acquire(provider)
    assert clock.slept == [0.5]
    assert 0 < redis.pttl("karo:pace:twilio") <= 2_000  # the schedule expires once it is idle
