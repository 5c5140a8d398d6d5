"""One ``karo scheduler`` enqueues at a time: a leader lock in Redis.

RQ's cron scheduler keeps its timetable in memory, so two of them (a standby on a second machine, or one
started twice by mistake) would each enqueue every job. Each round the scheduler takes or renews a lease on
one Redis key; only the holder enqueues. A standby that takes the lease over (the leader died, or stopped)
first carries on the timetable from the jobs' history in Redis, so a job the old leader enqueued a minute
ago is not enqueued again. The jobs are idempotent anyway (late fees once per term and child, a reminder
once per family and day); the lock keeps the ticks to one per schedule, and the work to one copy.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from redis import Redis
from rq.cron import CronJob, CronScheduler, get_cron_job_history_key

log = logging.getLogger(__name__)

LEADER_KEY = "karo:scheduler:leader"
LEASE_SECONDS = (
    30.0  # a dead leader's lease runs out this long after its last round (`karo scheduler --lease`)
)

# Compare-and-set on the holder's own token: a leader whose lease ran out (it stalled) cannot renew or
# release the lease another scheduler has taken since.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LeaderLock:
    """A lease on ``LEADER_KEY`` held under ``token`` for ``lease_seconds`` at a time."""

    def __init__(self, connection: Redis, token: str, lease_seconds: float = LEASE_SECONDS) -> None:
        self.connection = connection
        self.token = token
        self.lease_ms = int(lease_seconds * 1000)
        self._renew = connection.register_script(_RENEW)
        self._release = connection.register_script(_RELEASE)

    def hold(self) -> bool:
        """Renew the lease if this holder has it, else take it if it is free; whether it is held now."""
        if self._renew(keys=[LEADER_KEY], args=[self.token, self.lease_ms]):
            return True
        return bool(self.connection.set(LEADER_KEY, self.token, nx=True, px=self.lease_ms))

    def release(self) -> None:
        self._release(keys=[LEADER_KEY], args=[self.token])


class LeaderCronScheduler(CronScheduler):
    """RQ's cron scheduler that enqueues only while it holds the leader lock."""

    def __init__(self, connection: Redis, lease_seconds: float = LEASE_SECONDS, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.lease_seconds = lease_seconds
        self.lock = LeaderLock(connection, self.name, lease_seconds)
        self.leading = False

    def enqueue_jobs(self) -> list[CronJob]:
        leading = self.lock.hold()
        if leading != self.leading:
            log.info("scheduler %s %s", self.name, "leads" if leading else "stands by")
            if leading:
                self._carry_on_timetable()
            self.leading = leading
        return super().enqueue_jobs() if leading else []

    def calculate_sleep_interval(self) -> float:
        """RQ's (up to a minute), but short enough to renew the lease, or to take it over, in time."""
        interval: float = super().calculate_sleep_interval()
        return min(interval, self.lease_seconds / 3)

    def register_death(self, pipeline: Any = None) -> None:
        """On a clean stop the lease is given up at once, so a standby need not wait for it to run out."""
        self.lock.release()
        self.leading = False
        super().register_death(pipeline)

    def _carry_on_timetable(self) -> None:
        """Each job's last enqueue, by whichever scheduler, as this one's: its next is due when it would
        have been under the old leader."""
        for job in self.get_jobs():
            newest = self.connection.zrange(
                get_cron_job_history_key(job.name), 0, 0, desc=True, withscores=True
            )
            if newest:
                job.set_enqueue_time(dt.datetime.fromtimestamp(float(newest[0][1]), dt.UTC))
