"""What the outbox benchmark compares Karo with, measured in the same run: an empty RQ job's rate under
the same kind of workers, and the Africa's Talking SDK sending to the simulator with nothing around it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import requests
from redis import Redis
from rq import Queue
from rq.job import Job

from bench.outbox_noop import noop
from bench.outbox_procs import AT_KEY, AT_USERNAME
from providers.africastalking import AfricasTalkingSms

QUEUE = "bench-noop"


def rq_noop_rate(redis_url: str, jobs: int, workers: int, worker_class: str) -> float:
    """Empty jobs a second through ``workers`` RQ worker processes in burst mode, from the first job's start
    to the last one's end (so the workers' start-up is not counted)."""
    redis = Redis.from_url(redis_url)
    queue = Queue(QUEUE, connection=redis)
    enqueued = [queue.enqueue(noop, result_ttl=600) for _ in range(jobs)]
    script = (
        f"import sys; from redis import Redis; from rq.worker import {worker_class} as W; "
        f"W([{QUEUE!r}], connection=Redis.from_url(sys.argv[1])).work(burst=True, logging_level='WARNING')"
    )
    processes = [subprocess.Popen([sys.executable, "-c", script, redis_url]) for _ in range(workers)]
    for process in processes:
        process.wait(timeout=600)
    done = Job.fetch_many([job.id for job in enqueued], connection=redis)
    starts = [job.started_at for job in done if job and job.started_at]
    ends = [job.ended_at for job in done if job and job.ended_at]
    redis.close()
    if len(ends) != jobs:
        raise RuntimeError(f"only {len(ends)} of {jobs} empty jobs finished")
    return jobs / _seconds(min(starts), max(ends))


def _seconds(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds()


def sdk_send_rate(simulator_url: str, messages: int, processes: int) -> float:
    """SMS a second that ``processes`` processes send through ``AfricasTalkingSms`` alone (no database,
    no queue): the most any dispatcher on this machine could get from the simulator."""
    each = messages // processes
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        list(pool.map(_warm, [simulator_url] * processes))
        started = time.perf_counter()
        sent = sum(pool.map(_send_many, [simulator_url] * processes, [each] * processes))
    return sent / (time.perf_counter() - started)


def keepalive_post_rate(simulator_url: str, messages: int, processes: int) -> float:
    """The SDK's request (same form and headers) from a ``requests.Session`` that keeps its connection:
    what the SDK would send if it did not open a new connection (and session) for every message."""
    each = messages // processes
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        list(pool.map(_post_many, [simulator_url] * processes, [5] * processes))
        started = time.perf_counter()
        sent = sum(pool.map(_post_many, [simulator_url] * processes, [each] * processes))
    return sent / (time.perf_counter() - started)


def _post_many(simulator_url: str, count: int) -> int:
    headers = {"apiKey": AT_KEY, "Accept": "application/json"}
    with requests.Session() as session:
        for n in range(count):
            form = {
                "username": AT_USERNAME,
                "to": f"+2547{n % 100:02d}{n:06d}",
                "message": f"Ceiling {n}: KES 1,000 received, thank you",
                "bulkSMSMode": 1,
            }
            answer = session.post(
                f"{simulator_url}/version1/messaging", data=form, headers=headers, timeout=10
            )
            answer.raise_for_status()
    return count


def _warm(simulator_url: str) -> int:
    return _send_many(simulator_url, 5)


def _send_many(simulator_url: str, count: int) -> int:
    sms = AfricasTalkingSms(AT_USERNAME, AT_KEY, simulator_url)
    for n in range(count):
        result = sms.send_sms(f"+2547{n % 100:02d}{n:06d}", f"Ceiling {n}: KES 1,000 received, thank you")
        if not result.accepted:
            raise RuntimeError(f"the simulator refused a ceiling send: {result}")
    return count
