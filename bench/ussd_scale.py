"""USSD hops a second with two server processes against one (issue 18, item 5), in one run on one machine.

    .venv/bin/python -m bench.ussd_scale [--sessions 200] [--duration 10] [--clients 1]

The same seeded demo and sessions as ``bench.ussd``, against uvicorn with one worker process and then with
two, closed loop (each parent dials again as soon as it is answered). On 2 cores two processes cannot
answer twice as many hops: the load generator, PostgreSQL and Redis share the same cores. The run prints
each rate, their ratio and where the CPU went (uvicorn, PostgreSQL and Redis per hop, and how many of the
machine's cores were busy), from /proc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from bench import ussd_data as data
from bench import ussd_report as report
from bench.ussd import HOP, Plan, Spec, phase, say
from bench.ussd_load import ready
from bench.ussd_server import running_server

PROCESSES = (1, 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ussd_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200, help="concurrent sessions (default 200)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per server (10)")
    parser.add_argument("--clients", type=int, default=1, help="load generator processes (default 1)")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    measured: dict[int, report.Phase] = {}
    with (
        ProcessPoolExecutor(args.clients, mp_context=get_context("spawn")) as pool,
        tempfile.TemporaryDirectory(prefix="karo-bench-ussd-scale-") as directory,
    ):
        for started in [pool.submit(ready) for _ in range(args.clients)]:
            started.result()
        prepared = data.prepare(dt.date.today())
        try:
            for workers in PROCESSES:
                data.flush_redis()
                plan = Plan(
                    args.sessions, args.duration, 3.0, workers, args.clients, 0.0, 0, False, True, False
                )
                with running_server(workers, Path(directory) / f"uvicorn-{workers}.log") as server:
                    say(f"  uvicorn with {workers} worker process(es) at {server.base}")
                    measured[workers] = phase(pool, plan, server, Spec(report.KARO, HOP), prepared.callers)
        finally:
            data.flush_redis()
            data.drop_copy()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{stamp}, {args.sessions} sessions, {args.duration:.0f} s each, load before {load[0]:.1f}")
    print(render(measured))


def render(measured: dict[int, report.Phase]) -> str:
    lines = [
        "| server processes | hops/s | p99 | CPU ms a hop: uvicorn / PostgreSQL / Redis | cores busy |",
        "|---|---:|---:|---:|---:|",
    ]
    for workers, run in measured.items():
        per_hop = " / ".join(f"{run.cpu.get(part, 0.0) / max(run.count, 1) * 1000:.2f}" for part in PARTS)
        busy, p99 = run.machine_cpu / run.seconds, run.percentile_ms(99)
        lines.append(f"| {workers} | {run.per_second:,.0f} | {p99:,.0f} ms | {per_hop} | {busy:.2f} |")
    one, two = measured[PROCESSES[0]], measured[PROCESSES[-1]]
    lines.append(f"\ntwo processes / one: {two.per_second / one.per_second:.2f} x the hops a second")
    return "\n".join(lines)


PARTS = ("uvicorn", "PostgreSQL", "Redis")  # as bench.ussd_cpu names them


if __name__ == "__main__":
    main()
