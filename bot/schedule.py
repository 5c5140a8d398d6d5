"""The scheduler's periodic work in a process without Redis (the embedded default, as ``karo demo`` runs).

With Redis, ``karo scheduler`` enqueues the same work for ``karo worker``: late fees each morning and a
reminder campaign every half hour. Both are idempotent (a late fee once per term and child, a reminder once
per family and reminder day), so running late fees on every round here, before the reminders, is safe.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.bootstrap import Services
from bot.fee_jobs import nairobi_today, run_fee_rules
from bot.reminders import run_reminders

log = logging.getLogger(__name__)

# Reminders are planned every half hour: a family is reminded at most once per reminder day whatever the
# interval, and a run that fell in quiet hours is made up soon after they end.
REMINDERS_SECONDS = 30 * 60
FEE_RULES_CRON = "0 3 * * *"  # 06:00 in Nairobi: late fees are posted before the day's first reminders


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class InProcessSchedule:
    services: Services
    every_seconds: float = REMINDERS_SECONDS
    clock: Callable[[], dt.datetime] = _utc_now

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
        run_fee_rules(self.services.sessions, nairobi_today(now))
        report = run_reminders(self.services, now=now)
        log.info("reminders queued: %s", report.written)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # try again next round; what failed is in the log
                log.exception("the scheduled fee rules and reminders failed")
            self._stop.wait(self.every_seconds)
