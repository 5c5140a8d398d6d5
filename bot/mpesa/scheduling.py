"""When the M-Pesa work runs: an RQ job ``enqueue_in`` later with Redis, else a timer in this process.

The push waits a few seconds (a prompt cannot show over a live USSD session); the queries follow at about
+60 s, +2, +5 and +10 minutes after Daraja accepted the push.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis import Redis
from rq import Queue

from bot.logs import job_meta

log = logging.getLogger(__name__)

QUEUE = "default"


class Task(enum.StrEnum):
    PUSH = "push"  # args: request_id
    QUERY = "query"  # args: request_id, attempt (0-based)


# The RQ jobs, by import path: the worker builds its own Services from the environment.
RQ_JOBS = {Task.PUSH: "bot.mpesa.jobs.send_stk_push", Task.QUERY: "bot.mpesa.jobs.query_stk"}


@dataclass(frozen=True)
class Timings:
    push_delay: dt.timedelta = dt.timedelta(seconds=5)
    # Waits before pushing again after Daraja was down or arrested us; then the request fails.
    push_retries: tuple[dt.timedelta, ...] = (dt.timedelta(seconds=30), dt.timedelta(seconds=120))
    # When to query, counted from the push being accepted.
    queries: tuple[dt.timedelta, ...] = (
        dt.timedelta(seconds=60),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=10),
    )


class Scheduler(Protocol):
    def schedule(self, task: Task, delay: dt.timedelta, *args: int) -> None: ...


class RqScheduler:
    """Jobs on the RQ queue, held in its scheduled registry until due (the worker runs with_scheduler)."""

    def __init__(self, redis: Redis, queue: str = QUEUE) -> None:
        self.queue = Queue(queue, connection=redis)

    def schedule(self, task: Task, delay: dt.timedelta, *args: int) -> None:
        self.queue.enqueue_in(delay, RQ_JOBS[task], *args, job_timeout=120, result_ttl=3600, meta=job_meta())


class ThreadScheduler:
    """Timers in this process (the embedded default, without Redis): lost if the process stops."""

    def __init__(self, run: Callable[..., None] | None = None) -> None:
        self.run = run
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def schedule(self, task: Task, delay: dt.timedelta, *args: int) -> None:
        # Run in a copy of this context: the push logs under the request id of the hop that scheduled it.
        run_here = contextvars.copy_context().run
        timer = threading.Timer(max(delay.total_seconds(), 0.0), run_here, args=(self._run, task, *args))
        timer.daemon = True
        with self._lock:
            if self._stopped:
                log.warning("M-Pesa task %s%r not scheduled: stopping", task, args)
                return
            self._timers = {t for t in self._timers if t.is_alive()} | {timer}
        timer.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what has not started and wait for what has (shutting down, or between tests)."""
        with self._lock:
            timers, self._timers, self._stopped = self._timers, set(), True
        for timer in timers:
            timer.cancel()
        for timer in timers:
            if timer is not threading.current_thread():
                timer.join(timeout)

    def _run(self, task: Task, *args: int) -> None:
        if self.run is None:
            return
        try:
            self.run(task, *args)
        except Exception:  # a timer has no caller to raise to: the log and the request's row tell the story
            log.exception("M-Pesa task %s%r failed", task, args)
