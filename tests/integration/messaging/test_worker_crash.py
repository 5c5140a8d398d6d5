"""A worker killed with SIGKILL in the middle of a batch: after recovery every message went exactly once.

Real processes throughout: ``karo worker`` (RQ) on real Redis and PostgreSQL, sending through the Twilio
SDK to the Twilio simulator, which runs on a thread of this test process so the test can read what it
got. The worker is killed while rate-limited sending is under way; a second worker then settles what the
first left half-done (asking Twilio, through the SDK, which messages it already took) and sends the rest.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from bot.jobs.periodic import dispatch_outbox
from bot.outbox.dispatcher import LEASE
from ledger.messaging.bus import session_factory
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, enqueue
from providers.simulators import twilio as twilio_simulator
from providers.simulators.serve import start_in_thread
from tests.conftest import PG_URL, SPARE_REDIS_URL, flushed_redis

REDIS_URL = SPARE_REDIS_URL  # flushed before and after
ACCOUNT, TOKEN = "AC" + "0" * 32, "simulator-token"
MESSAGES = 300
RATE = 50  # messages a second: the 300 take about 6 s, so the kill lands mid-batch
KARO = Path(sys.executable).with_name("karo")
DONE = (JobStatus.FINISHED, JobStatus.FAILED)


@dataclass(frozen=True)
class Kill:
    """When to kill: after the simulator recorded ``after`` messages; ``mid_send`` makes the next request
    hang for ``hang`` seconds at the simulator, and kills while the worker waits for its answer."""

    after: int
    mid_send: bool = False
    hang: float = 1.5


@dataclass(frozen=True)
class Twilio:
    sim: twilio_simulator.TwilioSimulator
    url: str

    def bodies(self) -> list[str]:
        return [m["body"] for m in self.sim.messages() if m["accepted"]]


@pytest.fixture(scope="module")
def twilio_server() -> Iterator[Twilio]:
    sim = twilio_simulator.TwilioSimulator()
    url, stop = start_in_thread(twilio_simulator.create_app(sim))
    yield Twilio(sim, url)
    stop()


@pytest.fixture
def twilio(twilio_server: Twilio) -> Twilio:
    twilio_server.sim.reset()
    twilio_server.sim.configure({"delay": 0.0})  # status callbacks: none are asked for here
    return twilio_server


@pytest.fixture
def redis() -> Iterator[Redis]:
    yield from flushed_redis(REDIS_URL)


@pytest.fixture
def sessions(pg):
    return session_factory(pg)


def worker_env(sim_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KARO_")}
    return env | {
        "KARO_DATABASE_URL": PG_URL,
        "KARO_REDIS_URL": REDIS_URL,
        "KARO_TWILIO_ACCOUNT_SID": ACCOUNT,
        "KARO_TWILIO_AUTH_TOKEN": TOKEN,
        "KARO_TWILIO_API_URL": sim_url,
        "KARO_TWILIO_SMS_FROM": "+15005550006",  # no Africa's Talking: Twilio is the SMS provider
    }


def start_worker(sim_url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(KARO), "worker"], env=worker_env(sim_url), stdout=out, stderr=out)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ runs each job in a forked "work horse" with its own group)."""
    parents: dict[int, list[int]] = collections.defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(fields[1])].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def kill_hard(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the work horse (the process sending) and the worker, as a lost machine would."""
    for pid in [*descendants(worker.pid), worker.pid]:
        with contextlib.suppress(ProcessLookupError):  # it ended already
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown: it is idle by now
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_hard(worker)


def wait_for(
    condition: Any, timeout: float, what: str, every: float = 0.01, details: Callable[[], str] | None = None
) -> Any:
    """Poll ``condition`` every ``every`` seconds until it is truthy and return its value; after ``timeout``
    seconds fail, saying ``what`` was waited for and, when given, ``details()`` as they are then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    more = f"\n{details()}" if details is not None else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}{more}")


def fill_outbox(sessions, count: int = MESSAGES) -> set[str]:
    """``count`` queued receipts, each with its own body; returns the bodies."""
    with sessions.begin() as session:
        return {
            enqueue(
                session,
                dedupe_key=f"crash:{n}",
                phone=f"+2547{n % 7:02d}{n:06d}",
                body=f"Receipt {n}: KES {100 + n:,} received for Achieng, thank you",
                category=Category.RECEIPT,
                now=dt.datetime.now(dt.UTC),
                channel="sms",
            )[0].body
            for n in range(count)
        }


def run_job(redis: Redis) -> Job:
    return Queue("default", connection=redis).enqueue(
        dispatch_outbox, batch=100, rate_per_second=RATE, job_timeout=300
    )


def in_flight(sessions) -> list[OutboxMessage]:
    """Rows the dead worker had handed to the provider without hearing back."""
    with sessions() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.send_started_at.is_not(None)
        )
        return list(session.scalars(query))


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "kill",
    [
        # In the second batch of 100, most likely while the worker waits for its next slot (sends are
        # 20 ms apart and take a few): the rest of the batch is claimed but never handed over.
        pytest.param(Kill(after=130), id="between-sends"),
        # In the third batch, certainly while a request is at the provider, which takes it after the
        # worker died: only asking Twilio tells that it went.
        pytest.param(Kill(after=230, mid_send=True), id="mid-send"),
    ],
)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    kill, twilio, redis, sessions, tmp_path
):
    expected = fill_outbox(sessions)
    log = tmp_path / "worker.log"

    first = start_worker(twilio.url, log)
    try:
        run_job(redis)
        wait_for(lambda: len(twilio.bodies()) >= kill.after, 60, f"{kill.after} messages at Twilio")
        if kill.mid_send:
            twilio.sim.add_fault({"delay": kill.hang})  # the next request hangs at "Twilio"...
            time.sleep(kill.hang / 3)  # ...and the worker is waiting for its answer now
        kill_hard(first)
    finally:
        stop(first)
    hanging = in_flight(sessions)
    if kill.mid_send:
        assert len(hanging) == 1, "the kill should have landed while a request was at the provider"
    # A request in flight when the worker died may still land at the provider: the lease exists for it.
    if kill.mid_send:  # it lands once its hang is over
        wait_for(lambda: hanging[0].body in twilio.bodies(), kill.hang + 5, "the request in flight to land")
    time.sleep(0.5)
    before = set(twilio.bodies())
    assert kill.after <= len(before) < MESSAGES, log.read_text()
    landed = [row for row in hanging if row.body in before]  # Twilio took it; the worker never heard
    if kill.mid_send:
        assert len(landed) == 1

    # The lease is how long a claim must be untouched before recovery may decide about it (five minutes);
    # rather than wait that long, age the dead worker's claims past it.
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.SENDING)
            .values(claimed_at=OutboxMessage.claimed_at - LEASE * 1.2)
        )

    second = start_worker(twilio.url, log)
    try:
        job = run_job(redis)
        wait_for(lambda: job.get_status(refresh=True) in DONE, 90, "the second worker's job")
        assert job.get_status() == JobStatus.FINISHED, log.read_text()
        result = job.return_value()
    finally:
        stop(second)

    sent = [m for m in twilio.sim.messages() if m["accepted"]]
    times_sent = collections.Counter(m["body"] for m in sent)
    assert sorted(times_sent) == sorted(expected), "every message reached the provider"
    assert set(times_sent.values()) == {1}, [body for body, n in times_sent.items() if n > 1]
    sid_of = {m["body"]: m["sid"] for m in sent}
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {MessageStatus.SENT}
    assert all(row.provider == "twilio" and row.provider_id == sid_of[row.body] for row in rows)
    assert result["found_sent"] == len(landed)  # recorded from Twilio's list, not sent again
    assert result["left_for_review"] == 0
    assert result["sent"] == MESSAGES - len(before)
