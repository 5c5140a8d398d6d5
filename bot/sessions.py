"""Conversation state per channel session, in Redis (shared by every worker) or in-process (the demo).

One session's hops are handled one at a time: ``lock`` serialises them across processes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from redis import Redis

LOCK_TIMEOUT_SECONDS = 10  # a crashed hop frees its session after this
LOCK_WAIT_SECONDS = 5


class SessionBusy(Exception):
    """Another hop of the same session held the lock for too long."""


class SessionStore(Protocol):
    def load(self, key: str) -> dict[str, Any] | None: ...

    def save(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> Any:
        """A context manager holding ``key`` exclusively."""
        ...

    def claim(self, key: str, ttl_seconds: int) -> bool:
        """True for the first caller only (atomic): how a redelivered webhook is recognised."""
        ...

    def release(self, key: str) -> None:
        """Give a claim back (the work it guarded failed), so a redelivery is handled."""
        ...


class RedisSessionStore:
    def __init__(self, redis: Redis, prefix: str = "karo:") -> None:
        self.redis = redis
        self.prefix = prefix

    def load(self, key: str) -> dict[str, Any] | None:
        raw = self.redis.get(self.prefix + key)
        return json.loads(raw) if raw else None

    def save(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        self.redis.set(self.prefix + key, json.dumps(value), ex=ttl_seconds)

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def claim(self, key: str, ttl_seconds: int) -> bool:
        return bool(self.redis.set(self.prefix + "claim:" + key, 1, nx=True, ex=ttl_seconds))

    def release(self, key: str) -> None:
        self.redis.delete(self.prefix + "claim:" + key)

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        lock = self.redis.lock(
            self.prefix + "lock:" + key, timeout=LOCK_TIMEOUT_SECONDS, blocking_timeout=LOCK_WAIT_SECONDS
        )
        if not lock.acquire():
            raise SessionBusy(key)
        try:
            yield
        finally:
            lock.release()


class MemorySessionStore:
    """For the embedded default (no Redis): one process, expiry checked on read."""

    def __init__(self, clock: Any = None) -> None:
        import time

        self._now = clock or time.monotonic
        self._data: dict[str, tuple[float, dict[str, Any]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        item = self._data.get(key)
        if item is None or item[0] < self._now():
            return None
        return json.loads(json.dumps(item[1]))

    def save(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        self._data[key] = (self._now() + ttl_seconds, json.loads(json.dumps(value)))

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def claim(self, key: str, ttl_seconds: int) -> bool:
        with self._guard:
            if self.load("claim:" + key) is not None:
                return False
            self.save("claim:" + key, {}, ttl_seconds)
            return True

    def release(self, key: str) -> None:
        self.delete("claim:" + key)

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise SessionBusy(key)
        try:
            yield
        finally:
            lock.release()
