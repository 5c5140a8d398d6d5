"""``karo worker`` killed with SIGKILL takes its work horse (and scheduler) with it, and what it had claimed
is sent by another worker once the short lease is over: exactly once, within seconds, not five minutes.

Only the worker's main pid is killed, as a supervisor or the OOM killer would. Real processes, Redis and
PostgreSQL; the Twilio simulator (on a thread of this test) answers each message half a second late.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from bot.jobs.periodic import dispatch_outbox
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from tests.integration.messaging.test_worker_crash import (  # noqa: F401  (fixtures)
    DONE,
    descendants,
    fill_outbox,
    redis,
    sessions,
    start_worker,
    stop,
    twilio,
    twilio_server,
    wait_for,
)

MESSAGES = 20
SLOW_SECONDS = 0.5  # each send: the batch takes 10 s, so the kill lands while the horse is sending
SENT_AGAIN_WITHIN = 45  # seconds after the kill: the lease (a little longer than a send may take) and a run


def dispatch(redis) -> Job:  # noqa: F811
    return Queue("default", connection=redis).enqueue(dispatch_outbox, batch=100, rate_per_second=0)


def all_sent(sessions) -> bool:  # noqa: F811
    with sessions() as session:
        return {row.status for row in session.scalars(select(OutboxMessage))} == {MessageStatus.SENT}


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has stopped sending)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.postgres_only
def test_a_worker_killed_with_sigkill_leaves_no_horse_and_its_claims_go_once_soon(
    twilio,  # noqa: F811
    redis,  # noqa: F811
    sessions,  # noqa: F811
    tmp_path,
):
    expected = fill_outbox(sessions, MESSAGES)
    twilio.sim.add_fault({"delay": SLOW_SECONDS}, count=MESSAGES)
    log = tmp_path / "worker.log"

    first = start_worker(twilio.url, log)
    try:
        dispatch(redis)
        wait_for(lambda: len(twilio.bodies()) >= 3, 60, "the first worker sending")
        children = descendants(first.pid)
        assert children, "RQ runs the job in a forked work horse"
        os.kill(first.pid, signal.SIGKILL)  # the main pid only
        killed_at = time.monotonic()
        first.wait(timeout=10)
    finally:
        stop(first)
    time.sleep(SLOW_SECONDS * 3)  # a send already at Twilio may land; nothing after it may start
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:  # so that a failure here leaves nothing running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert survivors == [], "the worker's children outlived it"
    landed = len(twilio.bodies())
    time.sleep(SLOW_SECONDS * 3)
    assert len(twilio.bodies()) == landed < MESSAGES, "nothing is sent once the worker is dead"
    while twilio.sim.take_fault():  # the second worker's sends need not be slow: ~8 s of the test's time
        pass

    second = start_worker(twilio.url, log)
    try:
        while not all_sent(sessions) and time.monotonic() - killed_at < SENT_AGAIN_WITHIN:
            job = dispatch(redis)
            wait_for(lambda job=job: job.get_status(refresh=True) in DONE, 60, "the second worker's run")
            time.sleep(1)
    finally:
        stop(second)
    times_sent = collections.Counter(twilio.bodies())
    assert sorted(times_sent) == sorted(expected), f"not all sent within {SENT_AGAIN_WITHIN}s of the kill"
    assert set(times_sent.values()) == {1}, [body for body, n in times_sent.items() if n > 1]
    assert all_sent(sessions), "the message in flight at the kill was found at Twilio, not sent again"
