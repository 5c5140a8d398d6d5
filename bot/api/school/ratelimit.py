"""Requests per minute per API key: a fixed window counted in Redis (shared by every app process) when
one is configured, else in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis import Redis

WINDOW_SECONDS = 60


class KeyLimiter(Protocol):
    def wait_for(self, key_id: int) -> int:
        """0 if one more request with this key fits in its window, else the seconds until the next one."""
        ...


class LocalKeyLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._counts: dict[int, tuple[int, int]] = {}  # key id -> (window, requests in it)
        self._lock = threading.Lock()

    def wait_for(self, key_id: int) -> int:
        now = self.clock()
        window = int(now) // WINDOW_SECONDS
        with self._lock:
            seen, count = self._counts.get(key_id, (window, 0))
            count = count + 1 if seen == window else 1
            self._counts[key_id] = (window, count)
        return 0 if count <= self.per_minute else _rest_of_window(now)


class RedisKeyLimiter:
    def __init__(
        self,
        redis: Redis,
        per_minute: int,
        prefix: str = "karo:api-rate:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.per_minute, self.prefix, self.clock = redis, per_minute, prefix, clock

    def wait_for(self, key_id: int) -> int:
        now = self.clock()
        name = f"{self.prefix}{key_id}:{int(now) // WINDOW_SECONDS}"
        pipe = self.redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, WINDOW_SECONDS * 2)
        count = int(pipe.execute()[0])
        return 0 if count <= self.per_minute else _rest_of_window(now)


def _rest_of_window(now: float) -> int:
    return max(1, WINDOW_SECONDS - int(now) % WINDOW_SECONDS)


def key_limiter(redis: Redis | None, per_minute: int) -> KeyLimiter:
    return RedisKeyLimiter(redis, per_minute) if redis is not None else LocalKeyLimiter(per_minute)
