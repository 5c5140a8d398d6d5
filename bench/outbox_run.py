"""One outbox benchmark phase: rows written as a term-start reminder blast would write them, then sent by
``dispatch_outbox`` jobs on running ``karo worker``s, timed by when the simulator recorded each send."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import httpx
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench.outbox_procs import Watch
from bot.jobs.periodic import dispatch_outbox
from ledger.db import transaction
from ledger.messaging.outbox import Category, enqueue
from ledger.records.tables import Guardian, School

FAMILIES = 1_000  # guardians the reminders go to, in turn (each is read for its opt-outs before a send)
PER_TRANSACTION = 1_000
BODY = (
    "Bench Secondary School: Pupil {n} has KES {amount:,} of term 1 fees outstanding. "
    "Pay to Paybill 600100, account B{n:05d}."
)


@dataclass(frozen=True)
class Dispatched:
    sent: int  # sends the simulator recorded
    sending_seconds: float  # from the first send to the last, by the simulator's clock
    first_send_after: float  # from enqueuing the jobs to the first send
    wall_seconds: float  # from enqueuing the jobs to the last job finished
    cpu: dict[str, float]  # CPU seconds: the workers (work horses included), PostgreSQL, the simulator...
    job_results: list[Any]


def fill(sessions: sessionmaker[Session], count: int, tag: str) -> None:
    """``count`` reminders, one per family in turn, ``PER_TRANSACTION`` per transaction."""
    families = guardians(sessions)
    now = dt.datetime.now(dt.UTC)
    for first in range(0, count, PER_TRANSACTION):
        with transaction(sessions) as session:
            for n in range(first, min(count, first + PER_TRANSACTION)):
                school_id, guardian_id, phone = families[n % len(families)]
                enqueue(
                    session,
                    dedupe_key=f"reminder:{tag}:{n}",
                    phone=phone,
                    body=BODY.format(n=n % 100_000, amount=1_000 + n % 30_000),
                    category=Category.REMINDER,
                    now=now,
                    channel="sms",
                    school_id=school_id,
                    guardian_id=guardian_id,
                )


def guardians(sessions: sessionmaker[Session]) -> list[tuple[int, int, str]]:
    """The bench school's guardians (made on first use): (school id, guardian id, phone).

    Written with Core inserts of the columns named, so the bench keeps working while a model gains a
    column whose migration is still on its way.
    """
    with transaction(sessions) as session:
        school_id = session.scalar(select(School.id).where(School.slug == "bench"))
        if school_id is None:
            school_id = session.scalar(
                insert(School)
                .values(slug="bench", name="Bench Secondary School", paybill="600100")
                .returning(School.id)
            )
            session.execute(
                insert(Guardian),
                [
                    {"school_id": school_id, "phone": f"+2547{n:08d}", "name": f"Parent {n}", "opted_out": []}
                    for n in range(FAMILIES)
                ],
            )
        rows = session.execute(select(Guardian.id, Guardian.phone).where(Guardian.school_id == school_id))
        return [(school_id, guardian_id, phone) for guardian_id, phone in rows]


def dispatch(redis: Redis, simulator: str, watch: Watch, jobs: int, batch: int, rate: float) -> Dispatched:
    """One ``dispatch_outbox`` job per worker; wait for all of them; what the simulator saw."""
    httpx.delete(f"{simulator}/_sim/messages").raise_for_status()
    watch.sample()
    cpu = watch.cpu()
    queue = Queue("default", connection=redis)
    started = time.time()
    enqueued = [
        queue.enqueue(dispatch_outbox, batch=batch, rate_per_second=rate, job_timeout=1800)
        for _ in range(jobs)
    ]
    while not all(job.get_status(refresh=True) in (JobStatus.FINISHED, JobStatus.FAILED) for job in enqueued):
        watch.sample()
        time.sleep(0.2)
    finished = time.time()
    failed = [job for job in enqueued if job.get_status() == JobStatus.FAILED]
    if failed:
        raise RuntimeError(f"dispatch_outbox failed: {Job.fetch(failed[0].id, connection=redis).exc_info}")
    reaped(watch)
    watch.sample()
    times = sim_times(simulator)
    return Dispatched(
        sent=len(times),
        sending_seconds=times[-1] - times[0],
        first_send_after=times[0] - started,
        wall_seconds=finished - started,
        cpu={group: used - cpu.get(group, 0.0) for group, used in watch.cpu().items()},
        job_results=[job.return_value() for job in enqueued],
    )


def reaped(watch: Watch, timeout: float = 10.0) -> None:
    """Wait until every worker has reaped its work horse, so the horse's CPU time is the worker's."""
    deadline = time.monotonic() + timeout
    while watch.horses() and time.monotonic() < deadline:
        time.sleep(0.05)


def sim_times(simulator: str) -> list[float]:
    """When the simulator accepted each message (epoch seconds, sorted)."""
    messages = httpx.get(f"{simulator}/_sim/messages", timeout=60).json()
    return sorted(dt.datetime.fromisoformat(m["at"]).timestamp() for m in messages if m["accepted"])
