"""Messages per second per provider: in Redis (shared by every worker) or in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis import Redis


class RateLimiter(Protocol):
    def acquire(self, provider: str) -> None:
        """Block until one more message to ``provider`` fits within its rate."""
        ...


class Unlimited:
    def acquire(self, provider: str) -> None:
        return None


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

    def acquire(self, provider: str) -> None:
        rate = self.per_second.get(provider)
        if not rate:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._next.get(provider, now))
            self._next[provider] = slot + 1 / rate
        if slot > now:
            self.sleep(slot - now)


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

    def acquire(self, provider: str) -> None:
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
            self.sleep(second + 1 - now)
