"""Conversation state per channel session, in Redis (shared by every worker) or in-process (the demo).

One session's hops are handled one at a time: ``lock`` serialises them across processes. ``hold`` does
the same for a USSD hop in two Redis round trips instead of five or six: take the lock and read the keys,
then write what changed and let go (only while still holding the lock).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis import Redis

LOCK_TIMEOUT_SECONDS = 10  # a crashed hop frees its session after this
LOCK_WAIT_SECONDS = 5
LOCK_RETRY_SECONDS = 0.05  # how often a hop waiting for its session's previous one looks again

# KEYS: the lock, then the keys to write; ARGV: the lock's token, then per key its JSON ('' deletes it)
# and its TTL. Writes nothing unless the lock is still ours (a hop that outlived it must not overwrite).
SAVE_AND_UNLOCK = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  local value, ttl = ARGV[2 * i - 2], ARGV[2 * i - 1]
  if value == '' then redis.call('del', KEYS[i]) else redis.call('set', KEYS[i], value, 'EX', ttl) end
end
redis.call('del', KEYS[1])
return 1
"""


class ConversationBusy(Exception):
    """Another hop of the same session held the lock for too long (or this one outlived its lock)."""


@dataclass
class LockedState:
    """What ``hold`` read under the lock (None: absent), and what to write as it lets go."""

    found: dict[str, dict[str, Any] | None]
    writes: dict[str, tuple[dict[str, Any], int] | None] = field(default_factory=dict)

    def save(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        self.writes[key] = (value, ttl_seconds)

    def delete(self, key: str) -> None:
        self.writes[key] = None


class ConversationStore(Protocol):
    """Where a parent's conversation lives between messages: its state (the flow's ``Conversation`` as a
    dict, the USSD hop's raw text and reply, the phone's last USSD session to resume, the WhatsApp window),
    each under a key with a time to live, and a lock per key so one session's messages go one at a time.

    ``RedisConversationStore`` (shared by every process) or ``MemoryConversationStore`` (the embedded
    default), chosen
    by ``bot.channels.compose.conversation_store``; the USSD and chat handlers read and write it, the outbox
    dispatcher asks it whether a WhatsApp window is open. It holds conversations, not database sessions.
    """

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

    def hold(self, key: str, *also: str) -> Any:
        """A context manager holding ``key`` exclusively and yielding a ``LockedState`` with ``key`` and
        ``also`` read; its writes are made on leaving normally, none when the block raised."""
        ...


class RedisConversationStore:
    """The store in Redis under ``prefix``: JSON values with a TTL, locks as SET NX keys with a token."""

    def __init__(self, redis: Redis, prefix: str = "karo:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._save_and_unlock = redis.register_script(SAVE_AND_UNLOCK)  # EVALSHA, loaded on first use

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
            raise ConversationBusy(key)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def hold(self, key: str, *also: str) -> Iterator[LockedState]:
        lock, token = self.prefix + "lock:" + key, uuid.uuid4().hex
        held = self._acquire(lock, token, (key, *also))
        try:
            yield held
        except BaseException:
            self._write_and_unlock(lock, token, {})
            raise
        self._write_and_unlock(lock, token, held.writes)

    def _acquire(self, lock: str, token: str, keys: tuple[str, ...]) -> LockedState:
        """Take the lock and read ``keys`` in one round trip, again until the lock is free."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            pipe = self.redis.pipeline(transaction=False)
            pipe.set(lock, token, nx=True, px=LOCK_TIMEOUT_SECONDS * 1000)
            for key in keys:
                pipe.get(self.prefix + key)
            taken, *values = pipe.execute()
            if taken:
                return LockedState(
                    {key: json.loads(raw) if raw else None for key, raw in zip(keys, values, strict=True)}
                )
            if time.monotonic() > deadline:
                raise ConversationBusy(keys[0])
            time.sleep(LOCK_RETRY_SECONDS)

    def _write_and_unlock(
        self, lock: str, token: str, writes: dict[str, tuple[dict[str, Any], int] | None]
    ) -> None:
        args: list[str | int] = [token]
        for write in writes.values():
            args += ["", 0] if write is None else [json.dumps(write[0]), write[1]]
        keys = [lock, *(self.prefix + key for key in writes)]
        if not self._save_and_unlock(keys=keys, args=args):
            raise ConversationBusy(lock)  # the lock expired while this hop ran: its writes are dropped


class MemoryConversationStore:
    """For the embedded default (no Redis): one process, expiry checked on read."""

    def __init__(self, clock: Any = None) -> None:
        self._now = clock or time.monotonic
        self._data: dict[str, tuple[float, dict[str, Any]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        item = self._data.get(key)
        if item is None or item[0] < self._now():
            return None
        copy: dict[str, Any] = json.loads(json.dumps(item[1]))
        return copy

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
            raise ConversationBusy(key)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def hold(self, key: str, *also: str) -> Iterator[LockedState]:
        with self.lock(key):
            held = LockedState({name: self.load(name) for name in (key, *also)})
            yield held
            for name, write in held.writes.items():
                if write is None:
                    self.delete(name)
                else:
                    self.save(name, *write)
