"""Prometheus metrics (``GET /metrics``): counters and histograms the processes move, gauges read at scrape.

Events (hops, sends, callbacks, payments, scheduler ticks) are counters in the process where they happen.
With several processes (``karo serve --workers N``, workers, the scheduler) each writes its own files under
``PROMETHEUS_MULTIPROC_DIR`` and the scrape adds them up (prometheus-client's multiprocess mode): set that
variable to one empty directory for every Karo process on a machine, emptied at each deployment's start;
``karo serve`` makes one when several workers run without it. Facts that live in the database or Redis
(outbox depth, RQ queue lengths) are read when scraped (``StateCollector``), so every process reports the
same numbers and none has to keep them.

Labels name channels, providers, kinds, outcomes and coarse reasons: never a phone number, a message or a
school's free text.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.bootstrap import Services
from ledger.messaging.outbox import OutboxMessage

log = logging.getLogger(__name__)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# A hop is mostly Redis and one or two queries: the interesting range is a few ms to the gateway's timeout.
HOP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HOPS = Counter("karo_hops", "Parent hops answered, by channel and outcome.", ["channel", "outcome"])
HOP_SECONDS = Histogram(
    "karo_hop_seconds", "Time to answer a hop, by channel.", ["channel"], buckets=HOP_BUCKETS
)
SENDS = Counter(
    "karo_sends", "Outbox messages handed to a provider, by provider and result.", ["provider", "result"]
)
SEND_FAILURES = Counter(
    "karo_send_failures", "Sends that failed, by provider and coarse reason.", ["provider", "reason"]
)
CALLBACKS = Counter("karo_callbacks", "Provider callbacks, by kind and outcome.", ["kind", "outcome"])
PAYMENTS = Counter("karo_payments_posted", "Payments posted to the books, by source.", ["source"])
TICKS = Counter("karo_scheduler_ticks", "Periodic jobs run, by job.", ["job"])


@contextmanager
def hop(channel: str) -> Iterator[list[str]]:
    """Time a hop and count it; the block appends its outcome (``failed`` if it raised, else ``ok``)."""
    outcome: list[str] = []
    started = time.perf_counter()
    try:
        yield outcome
    except BaseException:
        outcome.insert(0, "failed")
        raise
    finally:
        HOP_SECONDS.labels(channel).observe(time.perf_counter() - started)
        HOPS.labels(channel, outcome[0] if outcome else "ok").inc()


class StateCollector(Collector):
    """Gauges that are facts in the database and Redis, read at scrape time."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "karo_outbox_messages", "Outbox messages by priority and status.", labels=["priority", "status"]
        )
        up = GaugeMetricFamily("karo_state_up", "1 if the database (and Redis) answered this scrape.")
        try:
            with self.services.sessions() as session:
                rows = session.execute(
                    select(OutboxMessage.priority, OutboxMessage.status, func.count()).group_by(
                        OutboxMessage.priority, OutboxMessage.status
                    )
                ).all()
            queues = self._queues() if self.services.redis is not None else None
        except Exception:  # a scrape still answers: the counters matter most when something is down
            log.warning("metrics: the database or Redis did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for priority, status, count in rows:
            depth.add_metric([str(priority), getattr(status, "value", str(status))], count)
        yield depth
        if queues is not None:
            yield queues

    def _queues(self) -> Metric:
        from rq import Queue

        from bot.mpesa.scheduling import QUEUE

        lengths = GaugeMetricFamily("karo_rq_jobs", "RQ jobs by queue and state.", labels=["queue", "state"])
        for name in (QUEUE,):  # the one queue every Karo job goes to (``karo worker`` listens to it)
            queue = Queue(name, connection=self.services.redis)
            lengths.add_metric([name, "queued"], queue.count)
            lengths.add_metric([name, "scheduled"], queue.scheduled_job_registry.count)
            lengths.add_metric([name, "started"], queue.started_job_registry.count)
            lengths.add_metric([name, "failed"], queue.failed_job_registry.count)
        return lengths


def exposition(services: Services) -> tuple[bytes, str]:
    """The scrape's body and content type: this process's metrics (or every process's, in multiprocess
    mode) and the state read now."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (HOPS, HOP_SECONDS, SENDS, SEND_FAILURES, CALLBACKS, PAYMENTS, TICKS):
            registry.register(collector)
    registry.register(StateCollector(services))
    return generate_latest(registry), CONTENT_TYPE_LATEST
