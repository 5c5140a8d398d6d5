"""Where a hop's time goes: the USSD handler alone, in this process, one hop at a time, instrumented.

Replays the load's session shapes through ``UssdHandler.hop`` (no HTTP, no threads, no other load) on the
same database and Redis, and times every Redis command, every port call into ``bot.channels.directory``, every
SQL statement, pool pre-ping and rollback, in wall-clock and in this thread's CPU time. What is left of a
hop after Redis and the directory is the flows (``transitions``), JSON and the handler's own code.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bench.ussd_data import REDIS_URL, URL, Caller
from bench.ussd_sessions import LostTheWay, pick_shape, script
from bot.app import create_app
from bot.bootstrap import Services, bootstrap
from bot.channels.directory import LedgerDirectory
from bot.channels.ussd.handler import UssdHandler
from bot.settings import Settings

DIRECTORY_CALLS = (
    "schools_for", "guardian", "children", "balance", "statement", "attendance", "exams", "current_term",
)  # fmt: skip


@dataclass
class Meter:
    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0


@dataclass
class Meters:
    by_name: defaultdict[str, Meter] = field(default_factory=lambda: defaultdict(Meter))

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            meter = self.by_name[name]
            meter.calls += 1
            meter.wall += time.perf_counter() - wall
            meter.cpu += time.thread_time() - cpu

    def wrap(self, name: str | Callable[..., str], function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            with self.measure(name if isinstance(name, str) else name(*args)):
                return function(*args, **kwargs)

        return measured

    def total(self, prefix: str) -> Meter:
        found = [meter for name, meter in self.by_name.items() if name.startswith(prefix)]
        return Meter(sum(m.calls for m in found), sum(m.wall for m in found), sum(m.cpu for m in found))


@dataclass(frozen=True)
class Breakdown:
    hops: int
    meters: Meters
    shapes: Counter[str]

    def lines(self) -> list[str]:
        """Per hop: calls, wall-clock ms and CPU ms of each part, largest first within its group."""
        hop = self.meters.by_name["hop"]
        redis, directory = self.meters.total("Redis "), self.meters.total("directory.")
        code = self.meters.by_name["school_for_code"]
        rest = Meter(
            0,
            hop.wall - redis.wall - directory.wall - code.wall,
            hop.cpu - redis.cpu - directory.cpu - code.cpu,
        )
        rows = [("whole hop (UssdHandler.hop)", hop), ("Redis commands", redis)]
        rows += self._group("Redis ")
        rows += [("directory port calls", directory), *self._group("directory.")]
        rows += [
            ("  of which: " + name, self.meters.by_name[name])
            for name in ("pool checkout pre-ping", "SQL statements", "ROLLBACK")
        ]
        rows += [("school for the dialled code (a query)", code), ("flows, JSON, handler (the rest)", rest)]
        title = f"per hop, mean over {self.hops:,} hops"
        head = f"{title:<48} {'calls':>6} {'wall ms':>8} {'CPU ms':>7}"
        replayed = ", ".join(f"{count} {shape}" for shape, count in self.shapes.most_common())
        return [head, *(self._line(name, meter) for name, meter in rows), f"sessions replayed: {replayed}"]

    def _group(self, prefix: str) -> list[tuple[str, Meter]]:
        found = [(name, m) for name, m in self.meters.by_name.items() if name.startswith(prefix)]
        return [("  " + name, m) for name, m in sorted(found, key=lambda item: -item[1].wall)]

    def _line(self, name: str, meter: Meter) -> str:
        calls = f"{meter.calls / self.hops:.2f}" if meter.calls else ""
        return (
            f"{name:<48} {calls:>6} {meter.wall / self.hops * 1000:8.3f} {meter.cpu / self.hops * 1000:7.3f}"
        )


def breakdown(callers: tuple[Caller, ...], sessions: int, seed: int) -> Breakdown:
    """``sessions`` sessions of the load's shapes, one after another, through an instrumented handler."""
    services = bootstrap(Settings(database_url=URL, redis_url=REDIS_URL, webhook_token="unused"))
    meters = Meters()
    # The directory's methods are measured on the class: put them back after, or whatever runs next in
    # this process (``bench.ussd_variants``) would count into these meters too.
    saved = {name: getattr(LedgerDirectory, name) for name in (*DIRECTORY_CALLS, "school_for_ussd_code")}
    try:
        handler = instrumented(services, meters)
        shapes, hops = replay(handler, meters, callers, sessions, seed)
    finally:
        for name, method in saved.items():
            setattr(LedgerDirectory, name, method)
        services.close()
    return Breakdown(hops, meters, shapes)


def instrumented(services: Services, meters: Meters) -> UssdHandler:
    handler: UssdHandler = create_app(services).state.ussd  # the handler the USSD route calls
    redis = services.redis
    assert redis is not None
    redis.execute_command = meters.wrap(redis_name, redis.execute_command)  # type: ignore[method-assign]
    redis.pipeline = measured_pipelines(meters, redis.pipeline)  # type: ignore[method-assign]
    # Each hop builds its own directory on its session: measure the class's methods (for this process).
    for name in DIRECTORY_CALLS:
        setattr(LedgerDirectory, name, meters.wrap(f"directory.{name}", getattr(LedgerDirectory, name)))
    code = LedgerDirectory.school_for_ussd_code
    LedgerDirectory.school_for_ussd_code = meters.wrap("school_for_code", code)  # type: ignore[method-assign]
    dialect = services.engine.dialect
    dialect.do_ping = meters.wrap("pool checkout pre-ping", dialect.do_ping)  # type: ignore[method-assign]
    dialect.do_rollback = meters.wrap("ROLLBACK", dialect.do_rollback)  # type: ignore[method-assign]
    time_statements(services, meters)
    return handler


def measured_pipelines(meters: Meters, pipeline: Callable[..., Any]) -> Callable[..., Any]:
    """Pipelines send their commands in one round trip, bypassing ``execute_command``: time the trip."""

    def measured(*args: Any, **kwargs: Any) -> Any:
        pipe = pipeline(*args, **kwargs)
        name = lambda *_: f"Redis pipeline of {len(pipe.command_stack)} (lock and read)"  # noqa: E731
        pipe.execute = meters.wrap(name, pipe.execute)
        return pipe

    return measured


def redis_name(command: str, *args: Any, **_: Any) -> str:
    key = args[0].decode() if args and isinstance(args[0], bytes) else str(args[0]) if args else ""
    if command == "EVALSHA":
        return "Redis EVALSHA (save and unlock)"
    return f"Redis {command}{' (lock)' if ':lock:' in key else ''}"


def time_statements(services: Services, meters: Meters) -> None:
    started: dict[int, tuple[float, float]] = {}

    @event.listens_for(services.engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, *_: Any) -> None:
        started[id(cursor)] = (time.perf_counter(), time.thread_time())

    @event.listens_for(services.engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, *_: Any) -> None:
        wall, cpu = started.pop(id(cursor))
        meter = meters.by_name["SQL statements"]
        meter.calls += 1
        meter.wall += time.perf_counter() - wall
        meter.cpu += time.thread_time() - cpu


def replay(
    handler: UssdHandler, meters: Meters, callers: tuple[Caller, ...], sessions: int, seed: int
) -> tuple[Counter[str], int]:
    shapes: Counter[str] = Counter()
    hops = 0
    for n in range(sessions):
        rng = random.Random(f"profile:{seed}:{n}")
        caller = callers[n % len(callers)]
        code, shape = rng.choice(caller.codes), pick_shape(rng)
        steps, inputs = script(shape, rng), []
        keys = next(steps)
        try:
            while True:
                inputs += [keys] if keys is not None else []
                with meters.measure("hop"):
                    reply = handler.hop(f"ATUid_profile_{seed}_{n}", code, caller.phone, "*".join(inputs))
                hops += 1
                keys = steps.send(reply)
        except StopIteration:
            shapes[shape] += 1
        except LostTheWay:
            shapes["lost the way"] += 1
    return shapes, hops
