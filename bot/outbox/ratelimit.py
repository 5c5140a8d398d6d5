"""Messages per second per provider: in Redis (shared by every worker) or in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis import Redis


class RateLimiter(Protocol):
    def acquire(self, provider: str, before_waiting: Callable[[], None] | None = None) -> None:
        """Block until one more message to ``provider`` fits within its rate.

        ``before_waiting`` is called once, just before any wait: the dispatcher commits there what it
        would otherwise commit together with the next message, so no outcome waits on the limiter.
        """
        ...


class Unlimited:
    def acquire(self, provider: str, before_waiting: Callable[[], None] | None = None) -> None:
        return None


def _about_to_wait(before_waiting: Callable[[], None] | None) -> None:
    if before_waiting is not None:
        before_waiting()


class LocalRateLimiter:
    """Spaces sends evenly: one every 1/rate seconds per provider."""

    def __init__(
        self,
        per_second: dict[str, float],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.clock, self.sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, provider: str, before_waiting: Callable[[], None] | None = None) -> None:
        rate = self.per_second.get(provider)
        if not rate:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._next.get(provider, now))
            self._next[provider] = slot + 1 / rate
        if slot > now:
            _about_to_wait(before_waiting)
            self.sleep(max(slot - self.clock(), 0.0))


class RedisRateLimiter:
    """A counter per provider per second, shared by every worker process."""

    def __init__(
        self,
        redis: Redis,
        per_second: dict[str, float],
        prefix: str = "karo:rate:",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis, self.per_second, self.prefix = redis, per_second, prefix
        self.clock, self.sleep = clock, sleep

    def acquire(self, provider: str, before_waiting: Callable[[], None] | None = None) -> None:
        rate = self.per_second.get(provider)
        if not rate:
            return
        while True:
            now = self.clock()
            second = int(now)
            key = f"{self.prefix}{provider}:{second}"
            count = self.redis.incr(key)
            if count == 1:
                self.redis.expire(key, 2)
            if count <= rate:
                return
            _about_to_wait(before_waiting)
            before_waiting = None
            self.sleep(second + 1 - now)


# Takes the provider's next free slot and returns how long to wait for it: atomic, so every worker shares
# one schedule. Times are seconds as strings (Lua numbers would come back to Redis as integers).
_NEXT_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local ttl = math.ceil((slot + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'PX', ttl)
return string.format('%.6f', slot - now)
"""


class RedisPacedRateLimiter:
    """Spaces sends evenly, 1/rate apart, across every worker: one schedule per provider in Redis.

    Unlike a counter per second it sends no burst at the top of each second (never 2 x rate across a
    second's boundary), and time nobody used is not saved up for a burst later. The clock is the
    workers' own, so their clocks should agree (NTP) to within a small part of 1/rate.
    """

    def __init__(
        self,
        redis: Redis,
        per_second: dict[str, float],
        prefix: str = "karo:pace:",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second, self.prefix = per_second, prefix
        self.clock, self.sleep = clock, sleep
        self._next_slot = redis.register_script(_NEXT_SLOT)

    def acquire(self, provider: str, before_waiting: Callable[[], None] | None = None) -> None:
        rate = self.per_second.get(provider)
        if not rate:
            return
        now = self.clock()
        slot = now + float(self._next_slot(keys=[self.prefix + provider], args=[repr(now), 1 / rate]))
        if slot > now:
            _about_to_wait(before_waiting)
            self.sleep(max(slot - self.clock(), 0.0))
