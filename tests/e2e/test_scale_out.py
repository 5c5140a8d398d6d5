"""Scale-out, proved: many Karo processes on one PostgreSQL and one Redis.

Two ``karo serve`` processes (two uvicorn worker processes each), two ``karo worker``s and two ``karo
scheduler``s run as real processes against one PostgreSQL database and one Redis; Africa's Talking is the
simulator, served on a thread of this test. The scheduler's first round plans a reminder campaign; then
parents dial USSD while M-Pesa confirms their payments, each confirmation sent twice to both servers at
once. Every payment is posted once, every message reaches the simulator once, each USSD session shows its
own child whichever server answers the hop, and the schedulers tick once per schedule (one leads, the other
stands by and takes over, carrying on the timetable, when the leader is killed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from redis import Redis
from rq.cron import CronScheduler, get_cron_job_history_key
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.commands.processes import register_cron_jobs
from bot.jobs.leader import LEADER_KEY
from bot.migrate import upgrade_url
from ledger.billing.invoicing import invoice_student
from ledger.books.tables import Payment
from ledger.clock import school_day, utc_now
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from providers.simulators import africastalking as at_simulator
from providers.simulators.serve import start_in_thread
from tests import builders as b
from tests.conftest import PG_URL, SPARE_REDIS_URL, _create_pg_database
from tests.e2e.ussd_helpers import option_key
from tests.integration.messaging.test_worker_crash import wait_for
from tests.pgbouncer import pgbouncer
from tests.processes import free_port, stop

pytestmark = pytest.mark.postgres_only
T = TypeVar("T")

KARO = Path(sys.executable).with_name("karo")
TOKEN = "scale" + "0" * 35
PAYBILL, CODE = "522533", "*384*25#"
FAMILIES, PAYING, PAID = 24, 12, 4_000_00
LEASE = 3  # seconds: the schedulers' lease, short so the takeover is seen within the test
SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


SESSIONS = itertools.count(1)


def phone(n: int) -> str:
    return f"+2547120{n:05d}"


def admission(n: int) -> str:
    return f"KJA-{n:03d}"


def child(n: int) -> str:
    return f"Pupil{n:03d} Otieno"


def fee(n: int) -> int:
    """Each child's own fee (KES 10,000 to 12,300), so a balance on screen tells whose it is."""
    return 10_000_00 + n * 100_00


def kes(cents: int) -> str:
    return f"KES {cents // 100:,}"


def fresh_database(url: str) -> None:
    _create_pg_database(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed(url: str) -> None:
    """One school, ``FAMILIES`` families of one child owing ``fee(n)``, reminded today, no quiet hours."""
    upgrade_url(url)
    engine = make_engine(url)
    today = school_day(utc_now())
    with session_factory(engine).begin() as session:
        school = b.school(session, slug="kilimani", paybill=PAYBILL, ussd_code=CODE)
        school.name, school.quiet_hours_start, school.quiet_hours_end = "Kilimani Junior Academy", 0, 0
        term = b.term(session, school, f"{today.year}-{(today.month - 1) // 4 + 1}")
        term.starts_on, term.ends_on = today - dt.timedelta(days=20), today + dt.timedelta(days=60)
        term.due_on = today + dt.timedelta(days=school.remind_days_before_due)
        tuition = b.vote_head(session, school, "Tuition", 10)
        for n in range(FAMILIES):
            grade = b.school_class(session, school, f"Grade {n}")
            b.fees(session, term, grade, {tuition: fee(n)})
            pupil = b.student(session, grade, admission(n), child(n))
            b.guardian(session, school, phone(n), pupil, name=f"Parent {n}")
            invoice_student(session, pupil, term, actor="test")
    engine.dispose()


@dataclass
class Deployment:
    servers: list[str]
    database_url: str
    redis: Redis
    at: at_simulator.AtSimulator
    schedulers: list[subprocess.Popen[bytes]]
    logs: Path

    def wait(self, condition: Callable[[], T | None], timeout: float, what: str) -> T:
        """``condition``'s value once truthy, polled four times a second (the processes need the CPU more
        than the test); after ``timeout`` seconds the test fails with the processes' logs."""
        value: T = wait_for(condition, timeout, what, every=0.25, details=self.log_text)
        return value

    def log_text(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs.glob("*.log")
        )


@pytest.fixture(params=["direct", "pgbouncer"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """The processes on PostgreSQL directly, or through PgBouncer in transaction mode."""
    url = make_url(PG_URL)
    database_url = url.set(database=f"{url.database}_scale").render_as_string(hide_password=False)
    fresh_database(database_url)
    seed(database_url)
    if request.param == "pgbouncer":
        with pgbouncer(database_url) as karo_url:
            # PgBouncer's part is the connections: fewer processes (one each per server, one worker).
            yield from deploy(database_url, karo_url, tmp_path, web_workers=1, workers=1)
    else:
        yield from deploy(database_url, database_url, tmp_path, web_workers=2, workers=2)


def deploy(
    database_url: str, karo_url: str, tmp_path: Path, web_workers: int, workers: int
) -> Iterator[Deployment]:
    """Start two servers of ``web_workers`` processes, ``workers`` RQ workers and two schedulers (on
    ``karo_url``); the test reads the database at ``database_url``."""
    redis = Redis.from_url(SPARE_REDIS_URL)
    redis.flushdb()
    sim = at_simulator.AtSimulator()
    at_url, stop_at = start_in_thread(at_simulator.create_app(sim))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KARO_", "PROMETHEUS_"))}
    env |= {
        "KARO_DATABASE_URL": karo_url,
        "KARO_REDIS_URL": SPARE_REDIS_URL,
        "KARO_WEBHOOK_TOKEN": TOKEN,
        "KARO_AT_USERNAME": sim.config.username,
        "KARO_AT_API_KEY": sim.config.api_key,
        "KARO_AT_API_URL": at_url,
    }
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as out:
            process = subprocess.Popen([str(KARO), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    ports = [free_port(), free_port()]
    for n, port in enumerate(ports):
        start(f"serve{n}", "serve", "--port", str(port), "--workers", str(web_workers))
    for n in range(workers):
        start(f"worker{n}", "worker")
    schedulers = [start(f"scheduler{n}", "scheduler", "--lease", str(LEASE)) for n in range(2)]
    servers = [f"http://127.0.0.1:{port}" for port in ports]
    deployment = Deployment(servers, database_url, redis, sim, schedulers, tmp_path)
    try:
        for server in servers:
            deployment.wait(lambda s=server: _answers(s), 120, f"karo serve at {server}")
        yield deployment
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # all at once, then wait for each
        for process in processes:
            stop(process, timeout=20)
        stop_at()
        redis.flushdb()
        redis.close()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


class Hops:
    """A USSD session whose hops go to the servers in turn, as a load balancer may send them."""

    def __init__(self, servers: list[str], n: int) -> None:
        self.servers, self.n, self.inputs, self.hops = servers, n, list[str](), 0
        self.session_id = f"ATUid_scale_{next(SESSIONS)}"
        self.reply = self._hop()
        if "Continue where" in self.reply:  # an earlier session of this phone's was left mid-way
            self.press(option_key(self.reply, "Start again"))

    def press(self, key: str) -> str:
        self.inputs.append(key)
        self.reply = self._hop()
        return self.reply

    def _hop(self) -> str:
        server = self.servers[(self.n + self.hops) % len(self.servers)]
        self.hops += 1
        form = {
            "sessionId": self.session_id,
            "serviceCode": CODE,
            "phoneNumber": phone(self.n),
            "networkCode": "63902",
            "text": "*".join(self.inputs),
        }
        answer = httpx.post(f"{server}/at/ussd/{TOKEN}", data=form, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.text.startswith(("CON ", "END ")), answer.text
        return answer.text


def check_balance(servers: list[str], n: int) -> int | str:
    """Dial and ask for the balance (the second hop lands on the other server): the balance of this
    session's own child, before or after the payment; never another's."""
    session = Hops(servers, n)
    assert "Balance" in session.reply, session.reply
    screen = session.press(option_key(session.reply, "Balance"))
    owed = [fee(n), fee(n) - PAID] if n < PAYING else [fee(n)]
    shown = [amount for amount in owed if f"Balance {kes(amount)}\n" in screen]
    return shown[0] if shown else screen  # a screen that is no balance of this child's fails the test


def confirmation(n: int) -> dict[str, str]:
    """Daraja's C2B confirmation, as documented."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": f"TKSCALE{n:03d}",
        "TransTime": dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S"),
        "TransAmount": f"{PAID // 100}.00",
        "BusinessShortCode": PAYBILL,
        "BillRefNumber": admission(n),
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": phone(n).lstrip("+"),
        "FirstName": "PARENT",
        "MiddleName": "",
        "LastName": str(n),
    }


def confirm(server: str, n: int) -> int:
    answer = httpx.post(f"{server}/daraja/c2b/confirm/{TOKEN}", json=confirmation(n), timeout=30)
    assert answer.status_code == 200 and answer.json()["ResultCode"] == 0, answer.text
    return n


def outbox(database_url: str) -> list[tuple[str, Category, MessageStatus]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(OutboxMessage.phone, OutboxMessage.category, OutboxMessage.status)
            return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
    finally:
        engine.dispose()


def payments(database_url: str) -> Counter[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(Payment.reference, func.count()).group_by(Payment.reference)
            return Counter({reference: count for reference, count in connection.execute(query)})
    finally:
        engine.dispose()


def intervals() -> dict[str, int]:
    """The schedule's jobs that come round every so many seconds, by name (the daily ones are not due)."""
    cron = CronScheduler(connection=Redis())  # never connects: only its registrations are read
    register_cron_jobs(cron)
    return {job.name: job.interval for job in cron.get_jobs() if job.interval}


def assert_one_tick_per_schedule(redis: Redis) -> None:
    """Each job enqueued at least once, and never twice within its interval, whichever scheduler led."""
    for name, every in intervals().items():
        times = [at for _, at in redis.zrange(get_cron_job_history_key(name), 0, -1, withscores=True)]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert times and all(gap >= every - 1 for gap in gaps), (name, every, gaps)


def leader(deployment: Deployment) -> subprocess.Popen[bytes]:
    """The scheduler process holding the lease (its value is the scheduler's name, host:pid:suffix)."""
    holder = deployment.redis.get(LEADER_KEY)
    assert holder is not None
    pid = int(holder.decode().split(":")[1])
    return next(p for p in deployment.schedulers if p.pid == pid)


def sent(sim: at_simulator.AtSimulator) -> list[dict[str, Any]]:
    return [m for m in sim.messages() if m["accepted"]]


def test_two_servers_two_workers_and_two_schedulers_share_one_database_and_one_redis(
    deployment: Deployment,
) -> None:
    servers, url, redis = deployment.servers, deployment.database_url, deployment.redis

    # The leading scheduler's first round plans the campaign; the workers send it through the simulator.
    def reminded() -> bool:
        rows = outbox(url)
        return len(rows) == FAMILIES and all(status in SENT for *_, status in rows)

    deployment.wait(reminded, 90, "the reminder campaign sent")

    # Parents dial while M-Pesa confirms half of them, each confirmation twice to each server at once.
    with ThreadPoolExecutor(max_workers=8) as pool:
        confirmed = [pool.submit(confirm, servers[k % 2], n) for n in range(PAYING) for k in range(4)]
        dialled = {n: pool.submit(check_balance, servers, n) for n in range(FAMILIES)}
        assert sorted(f.result() for f in confirmed) == sorted(list(range(PAYING)) * 4)
        balances = {n: f.result() for n, f in dialled.items()}
    assert all(isinstance(balance, int) for balance in balances.values()), balances
    after = {n: check_balance(servers, n) for n in range(FAMILIES)}
    assert after == {n: fee(n) - (PAID if n < PAYING else 0) for n in range(FAMILIES)}

    assert payments(url) == Counter({f"TKSCALE{n:03d}": 1 for n in range(PAYING)})  # every payment once

    def settled() -> list[tuple[str, Category, MessageStatus]] | None:
        rows = outbox(url)
        receipts = [row for row in rows if row[1] == Category.RECEIPT]
        done = len(receipts) == PAYING and all(status in SENT for *_, status in rows)
        return rows if done else None

    rows = deployment.wait(settled, 90, "the receipts sent")
    assert Counter(category for _, category, _ in rows) == {
        Category.REMINDER: FAMILIES,
        Category.RECEIPT: PAYING,
    }
    texts = sent(deployment.at)
    assert len(texts) == len(rows)  # every message once at the provider: none lost, none twice
    assert Counter(m["to"] for m in texts) == Counter(
        {phone(n): 2 if n < PAYING else 1 for n in range(FAMILIES)}
    )
    assert all(count == 1 for count in Counter((m["to"], m["message"]) for m in texts).values())

    assert_one_tick_per_schedule(redis)

    # The leader dies; the standby takes over within the lease and carries on the timetable.
    first = leader(deployment)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    standby = next(p for p in deployment.schedulers if p is not first)
    deployment.wait(
        lambda: redis.get(LEADER_KEY) is not None and leader(deployment) is standby, 5 * LEASE, "a new leader"
    )
    time.sleep(LEASE / 3 + 0.5)  # a round of the new leader's
    assert_one_tick_per_schedule(redis)  # it carried on the timetable: nothing enqueued again at once
    assert standby.poll() is None
