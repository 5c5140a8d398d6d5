"""``karo worker``'s RQ worker: each job runs under the request id it was enqueued with, and periodic jobs
count as scheduler ticks (``karo_scheduler_ticks``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from rq import SimpleWorker, Worker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue

from bot import metrics
from bot.logs import REQUEST_ID

log = logging.getLogger(__name__)

# The cron scheduler's jobs (``bot.commands.processes.register_cron_jobs``), by function name.
PERIODIC = frozenset(
    {"dispatch_outbox", "sweep_stk_requests", "send_reminders", "apply_fee_rules", "send_daily_closes"}
    | {"purge_old_data"}
)


def perform(job: Job, run: Callable[[], bool]) -> bool:
    """Run ``job`` with the request id from its meta set, so its log lines carry the hop's id."""
    token = REQUEST_ID.set(job.meta.get("request_id"))
    try:
        name = (job.func_name or "").rsplit(".", 1)[-1]
        if name in PERIODIC:
            metrics.TICKS.labels(name).inc()
        log.info("job %s (%s) started", job.id, name)
        return run()
    finally:
        REQUEST_ID.reset(token)


class KaroWorker(Worker):
    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        return perform(job, lambda: Worker.perform_job(self, job, queue, execution))


class KaroSimpleWorker(SimpleWorker):
    """The same in one process (tests, and platforms without fork)."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        return perform(job, lambda: SimpleWorker.perform_job(self, job, queue, execution))
