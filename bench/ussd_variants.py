"""What each of the hop's speed changes bought: the handler alone, with each change undone, in one run.

Replays the same sessions (``bench.ussd_profile.replay``) through the handler the USSD route calls, in
turns, once per variant per round, Redis flushed before each: as it is; without the chosen child kept in
the conversation (``Turn.student()`` re-reads the phone's children, as before); without one database
session per hop (a session per port call, as before); without holding the session in two Redis round
trips (lock, get, set, set or delete, unlock, as before); and with none of the three. Counts per hop the
thread's CPU, the wall-clock time, the Redis round trips, the pool checkouts and the SQL statements.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import event

from bench.ussd_data import REDIS_URL, URL, Caller, flush_redis
from bench.ussd_profile import Meters, replay
from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.compose import UssdHops
from bot.channels.conversations import LockedState, RedisConversationStore
from bot.channels.ussd.handler import UssdHandler
from bot.settings import Settings
from flows.conversation import Conversation

CHILD, SESSION, REDIS = "kept child", "one session", "Redis hold"
VARIANTS: dict[str, frozenset[str]] = {
    "as it is": frozenset(),
    f"without the {CHILD}": frozenset({CHILD}),
    f"without {SESSION} per hop": frozenset({SESSION}),
    f"without the {REDIS} (2 round trips)": frozenset({REDIS}),
    "none of the three (as before)": frozenset({CHILD, SESSION, REDIS}),
}


class _Found(dict[str, Any]):
    """Reads a key the first time the handler asks for it, as the handler did before ``hold``."""

    def __init__(self, store: RedisConversationStore, key: str) -> None:
        super().__init__({key: store.load(key)})
        self.store = store

    def __missing__(self, key: str) -> Any:
        self[key] = value = self.store.load(key)
        return value


class PerCommandStore(RedisConversationStore):
    """The session held as before: one Redis command per step (redis-py's lock, GET, SET, DEL, unlock)."""

    @contextmanager
    def hold(self, key: str, *also: str) -> Iterator[LockedState]:
        with self.lock(key):
            held = LockedState(_Found(self, key))
            yield held
            for name, write in held.writes.items():
                self.delete(name) if write is None else self.save(name, *write)


@dataclass
class Tally:
    hops: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    redis: int = 0
    checkouts: int = 0
    statements: int = 0

    def line(self, name: str, before: Tally) -> str:
        per = max(1, self.hops)
        share = (self.cpu / per) / max(1e-9, before.cpu / max(1, before.hops))
        return (
            f"{name:<40} {self.cpu / per * 1000:7.3f} {share:6.2f} {self.wall / per * 1000:8.3f} "
            f"{self.redis / per:6.2f} {self.checkouts / per:6.2f} {self.statements / per:6.2f}"
        )


@dataclass
class Comparison:
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in VARIANTS})

    def lines(self) -> list[str]:
        before = self.tallies["none of the three (as before)"]
        head = f"{'per hop, the handler alone':<40} {'CPU ms':>7} {'ratio':>6} {'wall ms':>8} "
        head += f"{'Redis':>6} {'pool':>6} {'SQL':>6}"
        hops = self.tallies["as it is"].hops
        note = f"(ratio: CPU against none of the three; {hops:,} hops per variant, in turns)"
        return [head, *(tally.line(name, before) for name, tally in self.tallies.items()), note]


def compare(callers: tuple[Caller, ...], sessions: int, rounds: int) -> Comparison:
    """``rounds`` turns of ``sessions`` sessions through each variant."""
    services = bootstrap(Settings(database_url=URL, redis_url=REDIS_URL, webhook_token="unused"))
    counts = Tally()
    connection = services.redis.connection_pool.connection_class  # type: ignore[union-attr]
    send = connection.send_packed_command
    _count(services, counts, send)
    handler: UssdHandler = create_app(services).state.ussd
    result = Comparison()
    try:
        for round_ in range(rounds):
            for name, undone in VARIANTS.items():
                flush_redis()
                with undoing(handler, undone):
                    _measure(handler, callers, sessions, round_, counts, result.tallies[name])
    finally:
        connection.send_packed_command = send
        services.close()
        flush_redis()
    return result


def _measure(
    handler: UssdHandler, callers: tuple[Caller, ...], sessions: int, seed: int, counts: Tally, into: Tally
) -> None:
    start = (counts.redis, counts.checkouts, counts.statements)
    meters = Meters()
    wall, cpu = time.perf_counter(), time.thread_time()
    _, hops = replay(handler, meters, callers, sessions, seed)
    into.cpu += time.thread_time() - cpu
    into.wall += time.perf_counter() - wall
    into.hops += hops
    into.redis += counts.redis - start[0]
    into.checkouts += counts.checkouts - start[1]
    into.statements += counts.statements - start[2]


def _count(services: Any, counts: Tally, send: Any) -> None:
    """Count Redis round trips (a pipeline is one), pool checkouts and SQL statements."""

    def counted(connection: Any, *args: Any, **kwargs: Any) -> Any:
        counts.redis += 1
        return send(connection, *args, **kwargs)

    services.redis.connection_pool.connection_class.send_packed_command = counted

    @event.listens_for(services.engine, "checkout")
    def checkout(*_: Any) -> None:
        counts.checkouts += 1

    @event.listens_for(services.engine, "before_cursor_execute")
    def statement(*_: Any) -> None:
        counts.statements += 1


@contextmanager
def undoing(handler: UssdHandler, undone: frozenset[str]) -> Iterator[None]:
    """The handler with the named changes undone, put back afterwards."""
    saved = (handler.store, handler.open_hop, Conversation.kept_child)
    if CHILD in undone:
        Conversation.kept_child = lambda self: None  # type: ignore[method-assign]
    if SESSION in undone:
        assert isinstance(handler.open_hop, UssdHops)
        handler.open_hop = replace(handler.open_hop, shared_session=False)
    if REDIS in undone:
        assert isinstance(handler.store, RedisConversationStore)
        handler.store = PerCommandStore(handler.store.redis, handler.store.prefix)
    try:
        yield
    finally:
        handler.store, handler.open_hop, Conversation.kept_child = saved  # type: ignore[method-assign]
