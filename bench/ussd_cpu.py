"""What answering the load cost the processes behind it: CPU time from /proc of uvicorn's workers, of the
PostgreSQL backends connected to the benchmark's database and of redis-server (the whole server: it may
serve others on this machine too); and the database's own counters of connections and transactions.

The pool opens and closes connections under load, so backends come and go: ``Watch.poll`` looks every
quarter of a second and keeps the last CPU time seen of each. A backend's last quarter-second, or one
that lives less than that, is missed: PostgreSQL's figure is a lower bound when connections churn.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.ussd_data import REDIS_URL, URL, admin, database

POLL_SECONDS = 0.25
BACKENDS = text("SELECT pid FROM pg_stat_activity WHERE datname = :name")
COUNTERS = text("SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :name")


class Watch:
    """CPU seconds per part and database counters, from the window's start to the last ``poll``."""

    def __init__(self, server_pid: int, conn: Connection, redis_pid: int) -> None:
        self.server_pid, self.conn, self.redis_pid = server_pid, conn, redis_pid
        self.first = self._cpu()
        self.last = {part: dict(pids) for part, pids in self.first.items()}
        self.counters_first = self.counters_last = self._counters()
        self.machine_first = self.machine_last = machine_busy_seconds()

    def poll(self) -> None:
        for part, pids in self._cpu().items():
            self.last[part].update(pids)
        self.counters_last = self._counters()
        self.machine_last = machine_busy_seconds()

    def machine_used(self) -> float:
        """CPU seconds the whole machine was busy: ours, and whatever else runs on it."""
        return self.machine_last - self.machine_first

    def cpu_used(self) -> dict[str, float]:
        """Seconds each part used since the start (a process that started since: all of its time)."""
        return {
            part: sum(used - self.first[part].get(pid, 0.0) for pid, used in pids.items())
            for part, pids in self.last.items()
        }

    def counted(self) -> dict[str, int]:
        return {name: self.counters_last[name] - self.counters_first[name] for name in self.counters_last}

    def _cpu(self) -> dict[str, dict[int, float]]:
        backends = self.conn.scalars(BACKENDS, {"name": database(URL)})
        # The server process itself too: with one worker, uvicorn serves in it (with more, it only watches).
        uvicorn = [self.server_pid, *descendants(self.server_pid)]
        groups = {"uvicorn": uvicorn, "PostgreSQL": backends, "Redis": [self.redis_pid]}
        return {part: {pid: cpu_seconds(pid) for pid in pids} for part, pids in groups.items()}

    def _counters(self) -> dict[str, int]:
        self.conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        connections, transactions = self.conn.execute(COUNTERS, {"name": database(URL)}).one()
        return {"connections opened": int(connections), "transactions": int(transactions)}


@contextmanager
def watching(server_pid: int) -> Iterator[Watch]:
    """A Watch started now, over one admin connection kept open (so watching adds no connections)."""
    with admin() as conn:
        yield Watch(server_pid, conn, redis_pid())


def descendants(pid: int) -> list[int]:
    """``pid``'s children, their children, and so on (uvicorn's workers)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def redis_pid() -> int:
    client = Redis.from_url(REDIS_URL)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def machine_busy_seconds() -> float:
    """All cores' busy time since boot (``/proc/stat``: everything but idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
