"""How fast the ledger posts payments, and how its reads scale with a student's history.

    .venv/bin/python -m bench.ledger [--backend postgres|sqlite|both] [--quick] [--explain] [--record]

On each backend, in one run and one fresh database: payments posted per second through
``record_payment`` (one per transaction, and 100 per transaction) next to a bare single-row INSERT; the
median time of ``student_balance``, ``statement`` and ``total_owed`` for a student with 10 entries and
one with 100,000, before and after ANALYZE; invoicing a late joiner before and after the journal grows.
Prints a table; ``--record`` adds it, dated, to bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench import ledger_data as data
from bench import ledger_reads as reads
from bench.databases import fresh_postgres, fresh_sqlite, machine_note, server_version
from bench.report import Row, record, render
from bench.timing import captured_sql, rate
from ledger.books.tables import Entry
from ledger.db import transaction
from ledger.messaging.bus import session_factory

README = Path(__file__).with_name("README.md")
BARE = Table(
    "bench_bare",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("n", Integer),
    Column("note", String(40)),
)


@dataclass(frozen=True)
class Sizes:
    students: int = 500  # invoiced students that payments go to, in turn
    single: int = 1_000  # payments posted one per transaction (bare inserts: 3x as many)
    batched: int = 3_000  # payments posted 100 per transaction (bare inserts: 3x as many)
    history: int = 100_000  # entries in the long student's history
    calls: int = 300  # calls per read and student, for the median
    late: int = 10  # late joiners invoiced before, and as many after, the long history

    @property
    def label(self) -> str:
        return "full" if self == Sizes() else "quick"


QUICK = Sizes(students=100, single=300, batched=1_000, history=10_000, calls=100, late=5)


@dataclass
class Result:
    backend: str
    rows: list[Row] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def run_backend(engine: Engine, sizes: Sizes, explain: bool) -> Result:
    result = Result(server_version(engine))
    factory = session_factory(engine)
    started = time.perf_counter()
    seeded = data.seed_school(factory, sizes.students + 2)
    say(f"  seeded {sizes.students + 2} invoiced students in {time.perf_counter() - started:.1f}s")
    measure_writes(engine, factory, seeded, sizes, result)
    measure_reads(engine, factory, seeded, sizes, explain, result)
    return result


def measure_writes(
    engine: Engine, factory: sessionmaker[Session], seeded: data.Seeded, sizes: Sizes, result: Result
) -> None:
    BARE.create(engine)
    payers = seeded.student_ids[:-2]
    cpu = []
    for per_txn, count in ((1, sizes.single), (100, sizes.batched)):
        bare = rate(3 * count, partial(bare_inserts, engine, 3 * count, per_txn))
        paid = rate(count, partial(payments, factory, seeded.school_id, payers, count, per_txn))
        share = paid.per_second / bare.per_second
        cpu.append(f"{paid.cpu_ms_each:.1f}")
        say(f"  {per_txn} per transaction: bare {bare.per_second:,.0f}/s, payments {paid.per_second:,.0f}/s")
        result.rows += [
            Row(f"bare INSERT, {per_txn} per transaction", f"{bare.per_second:,.0f}/s"),
            Row(
                f"record_payment, {per_txn} per transaction", f"{paid.per_second:,.0f}/s = {share:.3f} x bare"
            ),
        ]
    statements = statements_per_payment(engine, factory, seeded.school_id, payers)
    result.rows += [
        Row("record_payment: Python CPU each, 1 / 100 per transaction", f"{' / '.join(cpu)} ms"),
        Row("record_payment: SQL statements each, with loading the student", f"{statements:.1f}"),
    ]


def statements_per_payment(
    engine: Engine, factory: sessionmaker[Session], school_id: int, payers: tuple[int, ...]
) -> float:
    """What one payment sends to the database, counted over 100 posted in one transaction."""
    with captured_sql(engine) as seen:
        payments(factory, school_id, payers, 100, 100, tag="C")
    return len(seen) / 100


def bare_inserts(engine: Engine, count: int, per_txn: int) -> None:
    for first in range(0, count, per_txn):
        with engine.begin() as conn:
            for n in range(first, min(count, first + per_txn)):
                conn.execute(insert(BARE), {"n": n, "note": f"row {n}"})


def payments(
    factory: sessionmaker[Session],
    school_id: int,
    payers: tuple[int, ...],
    count: int,
    per_txn: int,
    tag: str = "P",
) -> None:
    """``count`` M-Pesa payments through ``record_payment``, to the payers in turn, ``per_txn`` per commit."""
    for first in range(0, count, per_txn):
        with transaction(factory) as session:
            for n in range(first, min(count, first + per_txn)):
                reference = f"{tag}{per_txn:03d}{n:07d}"
                data.pay(session, school_id, payers[n % len(payers)], reference, 100_00)


def measure_reads(
    engine: Engine,
    factory: sessionmaker[Session],
    seeded: data.Seeded,
    sizes: Sizes,
    explain: bool,
    result: Result,
) -> None:
    short, long = seeded.student_ids[-2:]
    before = reads.late_invoice(factory, seeded, sizes.late, "L")
    journal_before = count_entries(factory)
    started = time.perf_counter()
    reads.build_histories(factory, seeded.school_id, short, long, sizes.history)
    built = time.perf_counter() - started
    say(f"  wrote a history of {sizes.history:,} entries in {built:.1f}s")
    after = reads.late_invoice(factory, seeded, sizes.late, "M")
    journal_after = count_entries(factory)
    entries = f"{reads.SHORT} / {sizes.history:,} entries"
    for stats in ("as loaded", "after ANALYZE"):
        if stats == "after ANALYZE":
            reads.analyze(engine)
        for name in reads.READS:
            pair = reads.read_pair(factory, reads.READS[name], short, long, sizes.calls)
            say(f"  {name}, {stats}: {pair.cell()}")
            result.rows.append(Row(f"{name}: {entries}, {stats}", pair.cell()))
            if explain or pair.ratio > 2:
                result.findings += [f"[{stats}]", *reads.explain_read(engine, factory, name, short, long)]
    late = reads.Pair(before, after)
    result.rows += [
        Row(
            f"invoice_student (late joiner): {journal_before:,} / {journal_after:,} entries in school",
            late.cell(1),
        ),
        Row("setup: long history written in bulk", f"{sizes.history / built:,.0f} entries/s"),
    ]


def count_entries(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Entry)) or 0


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute in all")
    parser.add_argument("--explain", action="store_true", help="show the queries behind every read")
    parser.add_argument("--record", action="store_true", help="add the table, dated, to bench/README.md")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    backends = ("postgres", "sqlite") if args.backend == "both" else (args.backend,)
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="karo-bench-") as directory:
        for backend in backends:
            say(f"{backend}:")
            engine = fresh_postgres() if backend == "postgres" else fresh_sqlite(Path(directory))
            try:
                results.append(run_backend(engine, sizes, args.explain))
            finally:
                engine.dispose()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{stamp}, {sizes.label} run ({time.perf_counter() - started:.0f}s)"
    body = f"{machine_note()}\n\n{render(results)}"
    print(f"\n{title}\n{body}")
    if args.record:
        record(README, "Ledger", title, body)
        say(f"recorded in {README}")


if __name__ == "__main__":
    main()
