"""How many USSD hops a second Karo answers, and how fast, next to a bare endpoint on the same server.

    .venv/bin/python -m bench.ussd [--sessions 200] [--duration 30] [--workers 2] [--clients 1]
                                   [--think 5] [--paced 1000] [--profile] [--quick] [--record]

Copies the seeded demo (``bench.ussd_data``) into ``karo_bench_ussd``, flushes Redis database 14 and
starts uvicorn with ``--workers`` processes on Karo's app plus a bare ``POST /ceiling`` and a hop's least
I/O, ``POST /io-ceiling`` (``bench.ussd_app``). Then, in one run: ``--sessions`` virtual parents replay
realistic USSD sessions as fast as the server answers, for ``--duration`` seconds; then as many clients
hammer ``/ceiling`` and ``/io-ceiling`` for as long. A full run also measures ``--paced`` parents reading
each screen for about ``--think`` seconds and, when a target is missed (or with ``--profile``), Karo's
USSD route (and the route as it was) in front of a handler that answers at once, the handler's own cost
hop by hop (``bench.ussd_profile``) and with each speed change undone (``bench.ussd_variants``). Prints a
table; ``--record`` adds it, dated, to bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from bench import ussd_cpu as cpu
from bench import ussd_data as data
from bench import ussd_report as report
from bench.report import record
from bench.ussd_app import ROUTE_BEFORE, ROUTE_ONLY
from bench.ussd_io_ceiling import IO_CEILING
from bench.ussd_load import Job, Tally, Window, ready, run_clients
from bench.ussd_profile import breakdown
from bench.ussd_server import TOKEN, Server, running_server, tail
from bench.ussd_variants import compare

README = Path(__file__).with_name("README.md")
SEED = 7
PROFILE_SECONDS = 10.0  # measured of the route-only phase: its rate only shows the web layer's share
HOP = f"/at/ussd/{TOKEN}"


@dataclass(frozen=True)
class Plan:
    sessions: int
    duration: float  # seconds measured, per phase
    warmup: float  # seconds of load before measuring, per phase
    workers: int
    clients: int  # load generator processes
    think: float  # mean seconds per screen in the paced phase; 0: no paced phase
    paced: int  # parents in the paced phase
    profile: bool  # also when targets are met (a full run profiles whenever one is missed)
    quick: bool
    record: bool


@dataclass(frozen=True)
class Spec:
    """One phase of the run: a column of the table."""

    name: str
    path: str
    sessions: bool = True
    think: float = 0.0
    duration: float | None = None  # seconds measured, when not the plan's
    parents: int | None = None  # virtual parents, when not the plan's ``sessions``


def run(plan: Plan, log: Path) -> report.Run:
    with ProcessPoolExecutor(plan.clients, mp_context=get_context("spawn")) as pool:
        for started in [pool.submit(ready) for _ in range(plan.clients)]:
            started.result()
        prepared = data.prepare(dt.date.today())
        if prepared.seeded_in is not None:
            say(f"  seeded the demo template in {prepared.seeded_in:.0f}s")
        say(f"  {prepared.students} students, {len(prepared.callers)} guardian phones")
        data.flush_redis()
        try:
            return measure(pool, plan, log, prepared)
        finally:
            data.flush_redis()
            data.drop_copy()


def measure(pool: ProcessPoolExecutor, plan: Plan, log: Path, prepared: data.Prepared) -> report.Run:
    callers = prepared.callers
    with running_server(plan.workers, log) as server:
        say(f"  uvicorn with {plan.workers} workers at {server.base}")
        karo = phase(pool, plan, server, Spec(report.KARO, HOP), callers)
        ceiling = phase(pool, plan, server, Spec(report.CEILING, "/ceiling", sessions=False), callers)
        result = report.Run(plan.sessions, plan.workers, plan.clients, karo, ceiling, paced=plan.paced)
        io = Spec(report.IO_CEILING, IO_CEILING, sessions=False)
        result.others.append(phase(pool, plan, server, io, callers))
        if plan.think:
            paced = Spec(report.paced_name(plan.think), HOP, think=plan.think, parents=plan.paced)
            result.others.append(phase(pool, plan, server, paced, callers))
        if profiling(plan, result):
            seconds = min(plan.duration, PROFILE_SECONDS)
            for name, prefix in ((report.ROUTE, ROUTE_ONLY), (report.ROUTE_BEFORE, ROUTE_BEFORE)):
                route = Spec(name, prefix + HOP, duration=seconds)
                result.others.append(phase(pool, plan, server, route, callers))
        if result.errors:
            say(f"  the server's log ends:\n{tail(log)}")
    if profiling(plan, result):
        say("  profiling the handler, one hop at a time")
        data.flush_redis()
        result.breakdown = breakdown(callers, 100 if plan.quick else 300, SEED)
        say("  the handler with each speed change undone, in turns")
        result.variants = compare(callers, 30 if plan.quick else 60, 2 if plan.quick else 4)
    return result


def profiling(plan: Plan, result: report.Run) -> bool:
    """With ``--profile``; in a full run, also whenever a target is missed."""
    return bool(plan.profile) or (not plan.quick and not result.targets_met)


def phase(
    pool: ProcessPoolExecutor,
    plan: Plan,
    server: Server,
    spec: Spec,
    callers: tuple[data.Caller, ...],
) -> report.Phase:
    """``plan.sessions`` clients (``spec.parents`` if set) for the warm-up and the duration, split across
    the client processes."""
    start = time.time() + 0.5
    warmup = max(plan.warmup, spec.think)  # paced parents need a while to spread out
    duration = spec.duration or plan.duration
    window = Window(start, start + warmup, start + warmup + duration)
    parents = [(index, callers[index % len(callers)]) for index in range(spec.parents or plan.sessions)]
    futures = [
        pool.submit(
            run_clients,
            Job(spec.sessions, server.host, server.port, spec.path, share, window, SEED, spec.think),
        )
        for share in (tuple(parents[n :: plan.clients]) for n in range(plan.clients))
    ]
    watch = watch_window(server, window)
    tally = Tally()
    for future in futures:
        tally.merge(future.result())
    measured = report.Phase(
        spec.name, tally, duration, watch.cpu_used(), watch.counted(), watch.machine_used(), spec.think
    )
    say(f"  {measured.summary()}")
    return measured


def watch_window(server: Server, window: Window) -> cpu.Watch:
    """What the server's processes spent while the window was open."""
    time.sleep(max(0.0, window.measure_from - time.time()))
    with cpu.watching(server.pid) as watch:
        while time.time() < window.until:
            time.sleep(min(cpu.POLL_SECONDS, max(0.0, window.until - time.time())))
            watch.poll()
    return watch


def say(text: str) -> None:
    print(text, flush=True)


def parse(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench.ussd", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200, help="concurrent sessions (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per phase (30)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--clients", type=int, default=1, help="load generator processes (default 1)")
    parser.add_argument("--think", type=float, help="paced phase: mean seconds per screen (5; 0: none)")
    parser.add_argument("--paced", type=int, default=1000, help="parents in the paced phase (1000)")
    parser.add_argument("--profile", action="store_true", help="profile even in a quick run or when met")
    parser.add_argument("--quick", action="store_true", help="5 s per phase, no paced phase or profile")
    parser.add_argument("--record", action="store_true", help="add the table, dated, to bench/README.md")
    args = parser.parse_args(argv)
    if args.quick:
        duration, warmup, think = 5.0, 2.0, args.think or 0.0
    else:
        duration, warmup, think = args.duration, 5.0, 5.0 if args.think is None else args.think
    return Plan(
        sessions=args.sessions,
        duration=duration,
        warmup=warmup,
        workers=args.workers,
        clients=args.clients,
        think=think,
        paced=args.paced,
        profile=args.profile,
        quick=args.quick,
        record=args.record,
    )


def main(argv: list[str] | None = None) -> None:
    plan = parse(argv)
    # Stopped with SIGTERM as with Ctrl+C: unwind, so the server is stopped and the database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="karo-bench-ussd-") as directory:
        result = run(plan, Path(directory) / "uvicorn.log")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{stamp}, {'quick' if plan.quick else 'full'} run ({time.perf_counter() - started:.0f}s)"
    body = report.render_run(result, load)
    print(f"\n{title}\n{body}")
    if plan.record:
        record(README, "USSD", title, body)
        say(f"recorded in {README}")


if __name__ == "__main__":
    main()
