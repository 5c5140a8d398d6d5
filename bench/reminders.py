"""How long a reminder campaign takes to plan and queue for many schools, and how much memory it needs.

    .venv/bin/python -m bench.reminders [--schools 50] [--families 1000] [--quick] [--record]

Seeds a fresh PostgreSQL database ``karo_bench_reminders`` (bench.reminders_data: 50 schools of 1,000
families, about 60,000 children, in bulk), then in a child process (so its peak memory is the campaign's
alone) runs ``bot.jobs.campaigns.run_reminders`` for every school as the scheduler's job does: plan each
school,
write its reminders and outbox messages. Measured in the same run: the same run again (nothing new to
write), and a bare bulk INSERT of as many outbox-sized rows (the ceiling for writing them at all).
Target: planning and queueing the whole campaign in at most 10 s on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select, text

from bench import reminders_data as data
from bench.databases import fresh_postgres, machine_note, server_version
from bench.report import Row, record, render

README = Path(__file__).with_name("README.md")
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench_reminders"
AT = dt.datetime(2026, 2, 2, 10, 0, tzinfo=ZoneInfo("Africa/Nairobi"))  # a reminder day, after the due date
TARGET_SECONDS = 10.0
BARE = Table(
    "bench_bare_outbox",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("key", String(160), unique=True),
    Column("phone", String(16)),
    Column("body", Text),
)


@dataclass
class Measured:
    backend: str
    rows: list[Row]
    findings: list[str]


def campaign_in_child() -> None:
    """Run in a child process: the campaign for every school; prints timings and peak memory as JSON."""
    from bot.bootstrap import bootstrap
    from bot.jobs.campaigns import run_reminders
    from bot.settings import Settings

    services = bootstrap(Settings(database_url=URL))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    report = run_reminders(services, now=AT.astimezone(dt.UTC))
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    again = run_reminders(services, now=AT.astimezone(dt.UTC))
    second = time.perf_counter() - started
    services.close()
    planned = sum(len(c.planned) for c in report.campaigns)
    skipped = sum(len(c.skipped) for c in report.campaigns)
    figures = {"seconds": first, "cpu": first_cpu, "again": second, "written": report.total_written}
    figures |= {"again_written": again.total_written, "planned": planned, "skipped": skipped}
    print(json.dumps(figures | {"rss_before_kib": before, "rss_peak_kib": peak}))


def bare_insert(engine, rows: int) -> float:  # type: ignore[no-untyped-def]
    BARE.create(engine)
    body = "x" * 200
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, rows, 500):
            batch = range(start, min(rows, start + 500))
            conn.execute(
                insert(BARE), [{"key": f"k{n}", "phone": "+254700000000", "body": body} for n in batch]
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="5 schools of 1,000 families")
    parser.add_argument("--record", action="store_true", help="add the table, dated, to bench/README.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return campaign_in_child()
    schools = 5 if args.quick else args.schools
    engine = fresh_postgres(URL)
    started = time.perf_counter()
    seeded = data.seed(engine, schools, args.families)
    seeding = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    child = subprocess.run(
        [sys.executable, "-m", "bench.reminders", "--child"], capture_output=True, text=True
    )
    if child.returncode != 0:
        sys.exit(child.stderr)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    with engine.connect() as conn:
        messages = conn.scalar(select(func.count()).select_from(text("outbox")))
    bare = bare_insert(engine, result["written"] * 2)  # a reminder row and a message row each
    rows = table(seeded, seeding, result, messages, bare, server_version(engine))
    engine.dispose()
    verdict = "met" if result["seconds"] <= TARGET_SECONDS else "MISSED"
    body = render([Measured(f"{seeded.schools} schools x {args.families} families", rows, [])])
    body += (
        f"\n\nTarget: a campaign in at most {TARGET_SECONDS:.0f} s: {verdict} ({result['seconds']:.2f} s)."
    )
    note = f"{machine_note()}; load average before the campaign {load}"
    print(note)
    print(body)
    if args.record:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        record(
            README,
            "Reminders",
            f"{stamp}, {'quick' if args.quick else 'full'} run",
            f"{note}\n\n{body}",
        )


def table(seeded, seeding, result, messages, bare, version) -> list[Row]:  # type: ignore[no-untyped-def]
    families_per_s = seeded.families / result["seconds"]
    rss = (result["rss_peak_kib"]) / 1024
    grown = (result["rss_peak_kib"] - result["rss_before_kib"]) / 1024
    return [
        Row("families, children", f"{seeded.families:,}, {seeded.students:,} ({version})"),
        Row("reminders planned / families skipped", f"{result['planned']:,} / {result['skipped']:,}"),
        Row("reminders and outbox messages written", f"{result['written']:,} / {messages:,}"),
        Row(
            "campaign: plan and queue every school",
            f"{result['seconds']:.2f} s = {families_per_s:,.0f} families/s",
        ),
        Row("  CPU of the campaign process (the rest is PostgreSQL's)", f"{result['cpu']:.2f} s"),
        Row(
            "the same run again (nothing new)", f"{result['again']:.2f} s, {result['again_written']} written"
        ),
        Row("peak RSS of the campaign process", f"{rss:.0f} MiB ({grown:+.0f} MiB during the campaign)"),
        Row("bare bulk INSERT of as many rows", f"{bare:.2f} s; campaign = {result['seconds'] / bare:.1f}x"),
        Row("seeding (not a Karo figure)", f"{seeding:.1f} s"),
    ]


if __name__ == "__main__":
    main()
