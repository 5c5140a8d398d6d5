"""How long a school-sized students import takes through ``karo import students``, and how much memory.

    .venv/bin/python -m bench.imports [--students 50000] [--quick] [--record]

Makes a fresh PostgreSQL database ``karo_bench_imports`` with one school, writes a register of
``--students`` rows (bench.imports_data: families sharing guardians, a second guardian on about a third,
Kenyan phones in mixed forms, 44 classes), and runs the real command line, each in its own process so its
wall time and peak RSS are the import's alone (the process start is measured too, with a header-only
file):

- a refusal: the same register with one row in 500 spoiled, which must import nothing and list every bad
  line (the run fails if it lists any other or misses one);
- the import of the good register into the empty school;
- the same import again, which must add and change nothing.

Measured in the same run: a bare bulk INSERT of as many rows as the import wrote (the ceiling for writing
them at all). Targets: 50,000 rows imported in at most 30 s and 200 MB peak RSS, the refusal in 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.engine import Engine

from bench import imports_data as data
from bench.databases import fresh_postgres, machine_note, server_version
from bench.report import Row, record, render

README = Path(__file__).with_name("README.md")
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench_imports"
SLUG = "kja"
TARGET_SECONDS, TARGET_MIB, TARGET_REFUSAL_SECONDS = 30.0, 200.0, 5.0
WRITTEN = ("classes", "students", "guardians", "student_guardians")
BARE = Table(
    "bench_bare_students",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("admission_no", String(20), unique=True),
    Column("name", String(120)),
)


@dataclass(frozen=True)
class Run:
    """One ``karo`` process: wall time, peak RSS, exit code and what it printed."""

    seconds: float
    rss_mib: float
    code: int
    stdout: str
    stderr: str


@dataclass
class Measured:
    backend: str
    rows: list[Row]
    findings: list[str]


def karo(*args: str) -> Run:
    """``karo ARGS`` against the bench database in a process of its own, timed and measured by wait4."""
    env = os.environ | {"KARO_DATABASE_URL": URL}
    env.pop("KARO_REDIS_URL", None)
    command = [str(Path(sys.executable).with_name("karo")), *args]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, child.returncode, out.read(), err.read())


def import_students(path: Path) -> Run:
    return karo("import", "students", str(path), "--school", SLUG)


def written_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(conn.scalar(select(func.count()).select_from(text(name))) or 0 for name in WRITTEN)


def bare_insert(engine: Engine, rows: int) -> float:
    """Core executemany of ``rows`` student-sized rows, 1,000 a batch, in one transaction."""
    BARE.create(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, rows, 1000):
            batch = range(start, min(rows, start + 1000))
            conn.execute(
                insert(BARE), [{"admission_no": f"KJA-{n:07d}", "name": "Achieng Otieno"} for n in batch]
            )
    return time.perf_counter() - started


def refused_lines(run: Run) -> list[int]:
    return [int(m[1]) for m in re.finditer(r"^line (\d+): ", run.stderr, re.MULTILINE)]


def measure(students: int, folder: Path) -> tuple[list[Row], list[str], str]:
    engine = fresh_postgres(URL)
    created = karo("school", "create", "--slug", SLUG, "--name", "Kilimani Junior Academy")
    if created.code != 0:
        sys.exit(created.stderr)
    register = data.register(students)
    good, bad, empty = folder / "students.csv", folder / "refused.csv", folder / "header.csv"
    good.write_text(register.text)
    spoiled, expected = data.with_bad_rows(register.text)
    bad.write_text(spoiled)
    empty.write_text(",".join(data.HEADER) + "\n")
    start = import_students(empty)
    refusal = import_students(bad)
    problems = check_refusal(refusal, expected, written_rows(engine))
    first = import_students(good)
    if first.code != 0:
        sys.exit(first.stderr[-3000:])
    again = import_students(good)
    problems += check_again(again, students)
    written = written_rows(engine)
    bare = bare_insert(engine, written)
    version = server_version(engine)
    engine.dispose()
    facts = (register, written, bare, version)
    rows = table(facts, start, refusal, len(expected), first, again)
    return rows, problems, verdicts(first, refusal)


def check_refusal(refusal: Run, expected: list[int], written: int) -> list[str]:
    listed = refused_lines(refusal)
    problems = []
    if refusal.code == 0 or written:
        problems.append(
            f"the spoiled file was not refused whole (exit {refusal.code}, {written} rows written)"
        )
    if listed != expected:
        missed, extra = sorted(set(expected) - set(listed)), sorted(set(listed) - set(expected))
        problems.append(f"the refusal missed lines {missed[:10]} and listed {extra[:10]} wrongly")
    return problems


def check_again(again: Run, students: int) -> list[str]:
    if f"{students} students rows: 0 created, 0 updated, {students} unchanged" not in again.stdout:
        return [f"importing the same file again changed something: {again.stdout or again.stderr[-500:]}"]
    return []


def table(facts, start: Run, refusal: Run, bad: int, first: Run, again: Run) -> list[Row]:  # type: ignore[no-untyped-def]
    register, written, bare, version = facts
    per_s = register.rows / first.seconds
    return [
        Row("rows, families, guardians", f"{register.rows:,}, {register.families:,}, {register.guardians:,}"),
        Row("rows written (classes, students, guardians, links)", f"{written:,} ({version})"),
        Row("karo process start, header-only file", f"{start.seconds:.2f} s, {start.rss_mib:.0f} MiB"),
        Row(f"refusal listing {bad} bad rows", f"{refusal.seconds:.2f} s, {refusal.rss_mib:.0f} MiB"),
        Row(
            "import into the empty school",
            f"{first.seconds:.2f} s = {per_s:,.0f} rows/s, {first.rss_mib:.0f} MiB",
        ),
        Row("the same file again (nothing changes)", f"{again.seconds:.2f} s, {again.rss_mib:.0f} MiB"),
        Row(
            "bare bulk INSERT of as many rows",
            f"{bare:.2f} s; import = {first.seconds / bare:.1f}x, its start aside "
            f"{(first.seconds - start.seconds) / bare:.1f}x",
        ),
    ]


def verdicts(first: Run, refusal: Run) -> str:
    def said(ok: bool) -> str:
        return "met" if ok else "MISSED"

    return (
        f"Targets: import in at most {TARGET_SECONDS:.0f} s: {said(first.seconds <= TARGET_SECONDS)} "
        f"({first.seconds:.2f} s); at most {TARGET_MIB:.0f} MB peak RSS: {said(first.rss_mib <= TARGET_MIB)} "
        f"({first.rss_mib:.0f} MiB); refusal in at most {TARGET_REFUSAL_SECONDS:.0f} s: "
        f"{said(refusal.seconds <= TARGET_REFUSAL_SECONDS)} ({refusal.seconds:.2f} s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="5,000 rows")
    parser.add_argument("--record", action="store_true", help="add the table, dated, to bench/README.md")
    args = parser.parse_args()
    students = 5_000 if args.quick else args.students
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        rows, problems, verdict = measure(students, Path(folder))
    body = render([Measured(f"{students:,} students", rows, [])]) + "\n\n" + verdict
    if problems:
        body += "\n\nWRONG: " + "; ".join(problems)
    note = f"{machine_note()}; load average before the run {load}; run {time.perf_counter() - started:.0f} s"
    print(note)
    print(body)
    if args.record:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        record(README, "Imports", f"{stamp}, {students:,} students", f"{note}\n\n{body}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
