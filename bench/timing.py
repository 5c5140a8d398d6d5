"""Stopwatches for benchmarks: a rate over a fixed amount of work, a median over repeated calls, and the
plans behind a slow call."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float
    cpu_seconds: float  # spent in this Python process: the rest is waiting on the database

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms_each(self) -> float:
        return self.cpu_seconds / self.count * 1000


@dataclass(frozen=True)
class Median:
    seconds: float
    calls: int

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def rate(count: int, work: Callable[[], object]) -> Rate:
    """How fast ``work`` gets through ``count`` items (it does them all in one call)."""
    started, cpu = time.perf_counter(), time.process_time()
    work()
    return Rate(count, time.perf_counter() - started, time.process_time() - cpu)


def median(timed_call: Callable[[], float], *, calls: int, budget: float, warmup: int = 5) -> Median:
    """The median of what ``timed_call`` reports (seconds), over ``calls`` calls or ``budget`` seconds."""
    for _ in range(warmup):
        timed_call()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < calls and (len(samples) < 10 or time.perf_counter() < deadline):
        samples.append(timed_call())
    return Median(statistics.median(samples), len(samples))


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) the engine sends while the block runs."""
    seen: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def statement_ms(engine: Engine, statement: str, parameters: Any, runs: int = 5) -> float:
    """The median time of one captured statement, run on its own."""
    samples = []
    with engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).all()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The plan the database chose: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"{prefix} {statement}", parameters).all()
    return [row[0] for row in rows] if postgres else [f"{row[1]:>3} {row[3]}" for row in rows]
