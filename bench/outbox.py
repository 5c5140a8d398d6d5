"""How fast Karo sends from the outbox, and how little it adds to a provider's rate limit.

    .venv/bin/python -m bench.outbox [--messages 50000] [--workers 2] [--batch 100] [--quick] [--record]

In one run, on a fresh PostgreSQL database ``karo_bench_outbox`` and Redis database 12 (flushed): enqueue
``--messages`` reminders with ``ledger.messaging.outbox.enqueue`` (timed); send them all to the Africa's
Talking
simulator (its own uvicorn process) with the rate limit lifted, by ``--workers`` ``karo worker`` processes
each running one ``dispatch_outbox`` job; then send a smaller set under a rate limit and compare the time
taken with what the limit alone imposes. For comparison, measured in the same run: empty RQ jobs through
the same number of workers, and the AT SDK sending to the simulator with no database or queue around it.
Prints a table; ``--record`` adds it, dated, to bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from redis import Redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import outbox_baselines as baselines
from bench.databases import fresh_postgres, machine_note, server_version
from bench.outbox_procs import Watch, at_simulator, karo_workers, worker_env
from bench.outbox_run import Dispatched, dispatch, fill
from bench.report import Row, record, render
from ledger.messaging.bus import session_factory
from ledger.messaging.outbox import MessageStatus, OutboxMessage

README = Path(__file__).with_name("README.md")
BACKENDS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = 'karo_bench_outbox' AND pid <> pg_backend_pid()"
)
DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench_outbox"
REDIS_URL = "redis://127.0.0.1:6379/12"


@dataclass(frozen=True)
class Sizes:
    messages: int = 50_000  # sent with the rate limit lifted
    paced: int = 3_000  # sent under the rate limit
    rate: float = 100.0  # the rate limit of the paced phase, messages a second
    noop_jobs: int = 2_000  # empty RQ jobs
    ceiling: int = 6_000  # SDK sends with nothing around them

    def label(self, quick: bool) -> str:
        return f"{'quick' if quick else 'full'} run, {self.messages:,} messages"


QUICK = Sizes(messages=5_000, paced=1_000, noop_jobs=500, ceiling=2_000)


@dataclass
class Result:
    backend: str
    rows: list[Row] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def run(sizes: Sizes, workers: int, batch: int, log_dir: Path) -> Result:
    engine = fresh_postgres(DATABASE_URL)
    sessions = session_factory(engine)
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    result = Result(f"{server_version(engine)}, {workers} workers")
    log = (log_dir / "processes.log").open("ab")
    try:
        with (
            at_simulator(log) as (simulator, simulator_pid),
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
        ):
            env = worker_env(DATABASE_URL, REDIS_URL, simulator)
            enqueue_rate = enqueue_messages(sessions, sizes.messages, "open", result)
            with karo_workers(workers, env, log) as procs:
                watch = Watch([p.pid for p in procs], simulator_pid, lambda: list(conn.scalars(BACKENDS)))
                wait_for_workers(redis, workers)
                flat = dispatch(redis, simulator, watch, workers, batch, rate=0)
                check_all_sent(sessions, sizes.messages)
                report_flat(result, flat, enqueue_rate, watch, workers)
                fill(sessions, sizes.paced, "paced")
                paced = dispatch(redis, simulator, watch, workers, batch, rate=sizes.rate)
                check_all_sent(sessions, sizes.messages + sizes.paced)
                report_paced(result, paced, sizes)
            say("baselines: empty RQ jobs, SDK sends alone")
            report_baselines(result, flat, sizes, workers, simulator)
    finally:
        log.close()
        redis.flushdb()
        redis.close()
        engine.dispose()
    return result


def enqueue_messages(sessions: sessionmaker[Session], count: int, tag: str, result: Result) -> float:
    started = time.perf_counter()
    fill(sessions, count, tag)
    seconds = time.perf_counter() - started
    say(f"  enqueued {count:,} in {seconds:.1f}s")
    result.rows.append(
        Row("enqueue (ledger.messaging.outbox.enqueue, 1,000 per transaction)", f"{count / seconds:,.0f}/s")
    )
    return count / seconds


def wait_for_workers(redis: Redis, count: int) -> None:
    from rq import Worker

    deadline = time.monotonic() + 30
    while len(Worker.all(connection=redis)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} karo workers did not start within 30s")
        time.sleep(0.1)


def check_all_sent(sessions: sessionmaker[Session], expected: int) -> None:
    with sessions() as session:
        sent = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.SENT)
        )
    if sent != expected:
        raise RuntimeError(f"{sent} of {expected} outbox rows are SENT")


def report_flat(result: Result, run: Dispatched, enqueue_rate: float, watch: Watch, workers: int) -> None:
    rate = run.sent / run.sending_seconds
    say(f"  sent {run.sent:,} in {run.sending_seconds:.1f}s: {rate:,.0f}/s")
    result.rows += [
        Row("sent, rate limit lifted (first to last send)", f"{rate:,.0f}/s"),
        Row("  job enqueued to all sent", f"{run.wall_seconds:.1f} s for {run.sent:,}"),
        Row("  CPU per message: workers / PostgreSQL / simulator", cpu_each(run)),
        Row("  CPU of the whole machine (2 cores = 200%)", f"{run.cpu['machine'] / run.wall_seconds:.0%}"),
        Row("  peak RSS: work horse / worker", f"{watch.horse_mb:.0f} / {watch.worker_mb:.0f} MiB"),
        Row("  enqueue rate / send rate", f"{enqueue_rate / rate:.2f}"),
    ]
    say(f"  job results: {run.job_results}")


def cpu_each(run: Dispatched) -> str:
    parts = (run.cpu.get(group, 0.0) / run.sent * 1000 for group in ("workers", "PostgreSQL", "simulator"))
    return " / ".join(f"{ms:.2f}" for ms in parts) + " ms"


def report_paced(result: Result, run: Dispatched, sizes: Sizes) -> None:
    limit_alone = (run.sent - 1) / sizes.rate
    added = run.sending_seconds - limit_alone
    say(f"  paced: {run.sent:,} in {run.sending_seconds:.2f}s against {limit_alone:.2f}s for the limit alone")
    result.rows += [
        Row(
            f"sent under a limit of {sizes.rate:.0f}/s (first to last send)",
            f"{run.sending_seconds:.2f} s for {run.sent:,}",
        ),
        Row("  what the limit alone imposes: (messages - 1) / rate", f"{limit_alone:.2f} s"),
        Row("  time Karo adds", f"{added:+.2f} s = {added / limit_alone:+.2%}"),
        Row("  job enqueued to first send", f"{run.first_send_after:.2f} s"),
    ]


def report_baselines(result: Result, flat: Dispatched, sizes: Sizes, workers: int, simulator: str) -> None:
    rate = flat.sent / flat.sending_seconds
    fork = baselines.rq_noop_rate(REDIS_URL, sizes.noop_jobs, workers, "Worker")
    simple = baselines.rq_noop_rate(REDIS_URL, sizes.noop_jobs, workers, "SimpleWorker")
    ceiling = baselines.sdk_send_rate(simulator, sizes.ceiling, workers)
    kept = baselines.keepalive_post_rate(simulator, sizes.ceiling, workers)
    result.rows += [
        Row(
            f"empty RQ jobs, {workers} Worker (fork per job, as karo worker)",
            f"{fork:,.0f}/s; sent = {rate / fork:.1f}x",
        ),
        Row(f"empty RQ jobs, {workers} SimpleWorker", f"{simple:,.0f}/s; sent = {rate / simple:.2f}x"),
        Row(
            f"AT SDK sends alone, {workers} processes (no database, no queue)",
            f"{ceiling:,.0f}/s; sent = {rate / ceiling:.2f}x",
        ),
        Row(
            f"the same POST on a kept-alive connection, {workers} processes",
            f"{kept:,.0f}/s; SDK alone = {ceiling / kept:.2f}x",
        ),
    ]


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--messages", type=int, help="messages sent with the limit lifted (50,000; quick 5,000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="karo worker processes (default 2)")
    parser.add_argument("--batch", type=int, default=100, help="dispatch_outbox's batch (default 100)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute in all")
    parser.add_argument("--record", action="store_true", help="add the table, dated, to bench/README.md")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    if args.messages:
        sizes = replace(sizes, messages=args.messages)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="karo-bench-outbox-") as directory:
        result = run(sizes, args.workers, args.batch, Path(directory))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{stamp}, {sizes.label(args.quick)} ({time.perf_counter() - started:.0f}s)"
    body = f"{machine_note()}\n\n{render([result])}"
    print(f"\n{title}\n{body}")
    if args.record:
        record(README, "Outbox", title, body)
        say(f"recorded in {README}")


if __name__ == "__main__":
    main()
