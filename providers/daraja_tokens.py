"""Where the deployment keeps its one Daraja token per shortcode: Redis for every process and RQ worker,
or a dict for one process (tests, a single-process demo).

Each new OAuth token invalidates the previous one, so workers that fetched their own would knock each other
out; the stores below give them one shared token and a lock to hold while one of them refreshes it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from redis.exceptions import LockNotOwnedError

from providers.daraja_types import DarajaUnavailable

log = logging.getLogger(__name__)


class MemoryTokenStore:
    """A ``TokenStore`` for one process: a dict, and a ``threading.Lock`` per shortcode for refreshes."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}

    def get(self, shortcode: str) -> tuple[str, float] | None:
        with self._guard:
            return self._tokens.get(shortcode)

    def put(self, shortcode: str, token: str, expires_at: float) -> None:
        with self._guard:
            self._tokens[shortcode] = (token, expires_at)

    def refresh_lock(self, shortcode: str) -> AbstractContextManager[Any]:
        with self._guard:
            return self._locks.setdefault(shortcode, threading.Lock())


class RedisTokenStore:
    """A ``TokenStore`` shared by every process that reaches the same Redis.

    The token is kept as JSON under ``{prefix}token:{shortcode}`` and expires in Redis when it expires at
    Safaricom. The refresh lock is a redis-py ``Lock`` under ``{prefix}lock:{shortcode}`` that frees itself
    after ``lock_timeout`` seconds should its holder die; waiting longer than ``wait`` seconds for it raises
    ``DarajaUnavailable``.
    """

    def __init__(
        self, redis: Any, prefix: str = "karo:daraja:", *, lock_timeout: float = 30.0, wait: float = 30.0
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lock_timeout = lock_timeout
        self._wait = wait

    def get(self, shortcode: str) -> tuple[str, float] | None:
        raw = self._redis.get(self._key("token", shortcode))
        if raw is None:
            return None
        try:
            stored = json.loads(raw)
            return str(stored["token"]), float(stored["expires_at"])
        except (ValueError, KeyError, TypeError):
            return None  # unreadable (an old format?): fetch a new one rather than fail every payment

    def put(self, shortcode: str, token: str, expires_at: float) -> None:
        value = json.dumps({"token": token, "expires_at": expires_at})
        self._redis.set(self._key("token", shortcode), value, pxat=int(expires_at * 1000))

    def refresh_lock(self, shortcode: str) -> AbstractContextManager[Any]:
        return self._locked(shortcode)

    @contextmanager
    def _locked(self, shortcode: str) -> Iterator[None]:
        lock = self._redis.lock(
            self._key("lock", shortcode), timeout=self._lock_timeout, blocking_timeout=self._wait
        )
        if not lock.acquire():
            raise DarajaUnavailable(f"timed out waiting for the Daraja token lock of {shortcode}")
        try:
            yield
        finally:
            _release(lock)

    def _key(self, kind: str, shortcode: str) -> str:
        return f"{self._prefix}{kind}:{shortcode}"


def _release(lock: Any) -> None:
    """Release ``lock``. If it already expired (we were slower than ``lock_timeout``) another process may
    hold it by now: warn, since the token we fetched is stored either way."""
    try:
        lock.release()
    except LockNotOwnedError:
        log.warning("the Daraja token lock %s expired before its holder released it", lock.name)
