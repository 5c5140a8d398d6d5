"""The scheduler's periodic work in a process without Redis (the embedded default: ``karo serve`` and
``karo demo`` run it in the web process, see ``bot.background``).

With Redis, ``karo scheduler`` enqueues the same work for ``karo worker``: late fees each morning, a
reminder campaign every half hour and the STK request sweep every minute. Late fees and reminders are
idempotent (a late fee once per term and child, a reminder once per family and reminder day), so running
late fees on every round here, before the reminders, is safe.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import metrics
from bot.bootstrap import Services
from bot.jobs.campaigns import run_reminders
from bot.jobs.daily_close import run_daily_closes
from bot.jobs.fees import run_fee_rules
from bot.jobs.retention import PURGE_SECONDS, run_purge
from ledger.clock import school_day, utc_now

log = logging.getLogger(__name__)

# Reminders are planned every half hour: a family is reminded at most once per reminder day whatever the
# interval, and a run that fell in quiet hours is made up soon after they end.
REMINDERS_SECONDS = 30 * 60
FEE_RULES_CRON = "0 3 * * *"  # 06:00 in Nairobi: late fees are posted before the day's first reminders
STK_SWEEP_SECONDS = 60  # settles STK requests whose timer or job was lost (a restart, a dead worker)


# The scheduler-tick label of each in-process job, named as the RQ cron jobs are (``bot.jobs.worker``).
TICK_LABELS = {
    "the scheduled fee rules and reminders": "send_reminders",
    "the STK request sweep": "sweep_stk_requests",
    "the retention purge": "purge_old_data",
}


@dataclass
class InProcessSchedule:
    """Fee rules and reminders every ``every_seconds``; ``sweep_stk`` (the M-Pesa desk's sweep), when
    given, every ``sweep_every_seconds``. Each runs first when the schedule starts."""

    services: Services
    every_seconds: float = REMINDERS_SECONDS
    clock: Callable[[], dt.datetime] = utc_now
    sweep_stk: Callable[[], object] | None = None
    sweep_every_seconds: float = STK_SWEEP_SECONDS

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="schedule", daemon=True)

    def start(self) -> InProcessSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def run_once(self) -> None:
        now = self.clock()
        run_fee_rules(self.services.sessions, school_day(now))
        report = run_reminders(self.services, now=now)
        log.info("reminders queued: %s", report.written)
        run_daily_closes(self.services, now=now)  # after its close hour, each school's summary by SMS

    def purge(self) -> None:
        run_purge(self.services, now=self.clock())

    def _jobs(self) -> list[tuple[Callable[[], object], float, str]]:
        jobs: list[tuple[Callable[[], object], float, str]] = [
            (self.run_once, self.every_seconds, "the scheduled fee rules and reminders")
        ]
        jobs.append((self.purge, PURGE_SECONDS, "the retention purge"))
        if self.sweep_stk is not None:
            jobs.append((self.sweep_stk, self.sweep_every_seconds, "the STK request sweep"))
        return jobs

    def _loop(self) -> None:
        jobs = self._jobs()
        due = [time.monotonic()] * len(jobs)
        while not self._stop.is_set():
            for n, (job, every, what) in enumerate(jobs):
                if time.monotonic() >= due[n] and not self._stop.is_set():
                    try:
                        metrics.TICKS.labels(TICK_LABELS.get(what, "other")).inc()
                        job()
                    except Exception:  # try again next round; what failed is in the log
                        log.exception("%s failed", what)
                    due[n] = time.monotonic() + every
            self._stop.wait(max(min(due) - time.monotonic(), 0.0))
