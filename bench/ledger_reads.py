"""The read half of the ledger benchmark: a student's balance and statement with a short and a long
history, invoicing a late joiner before and after the journal grows, and the plans behind slow reads."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench import ledger_data as data
from bench.timing import Median, captured_sql, median, plan, statement_ms
from ledger.billing.invoicing import invoice_student
from ledger.books.balances import student_balance, total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.statements import statement
from ledger.books.tables import Entry
from ledger.db import transaction
from ledger.records.tables import Student, Term

SHORT = 10  # entries in the short history
Read = Callable[[Session, Student], object]
READS: dict[str, Read] = {
    "student_balance": student_balance,
    "statement": statement,
    "total_owed": lambda session, pupil: total_owed(session, pupil.id),
}


@dataclass(frozen=True)
class Pair:
    """The same measure for the short and the long case."""

    short: Median
    long: Median

    @property
    def ratio(self) -> float:
        return self.long.seconds / self.short.seconds

    def cell(self, digits: int = 2) -> str:
        return f"{self.short.ms:.{digits}f} / {self.long.ms:.{digits}f} ms = {self.ratio:.2f}x"


def build_histories(
    factory: sessionmaker[Session], school_id: int, short: int, long: int, history: int
) -> None:
    """Both students: the term's invoice, one payment clearing it, 8 small payments; the long one also
    ``history - 10`` bulk payments before its last 8, so its latest page was posted by the real API."""
    for pupil, tag in ((short, "S"), (long, "G")):
        data.pay_off(factory, school_id, pupil, tag)
    data.grow_history(factory, school_id, long, history - SHORT)
    for pupil, tag in ((short, "S"), (long, "G")):
        data.pay_small(factory, school_id, pupil, tag, SHORT - 2)
    with factory() as session:
        for pupil, expected in ((short, SHORT), (long, history)):
            found = session.scalar(select(func.count()).select_from(Entry).where(Entry.student_id == pupil))
            if found != expected:
                raise RuntimeError(f"student {pupil} has {found} entries, not {expected}")
        if unbalanced_entries(session) or cached_balance_mismatches(session):
            raise RuntimeError("the bulk history broke the books: see ledger.books.checks")


def late_invoice(factory: sessionmaker[Session], seeded: data.Seeded, count: int, prefix: str) -> Median:
    """Invoice ``count`` students who joined after the class was invoiced, one per transaction."""
    with transaction(factory) as session:
        joiners = [data.student(seeded.school_id, seeded.class_id, n, prefix) for n in range(count)]
        session.add_all(joiners)
        session.flush()
        ids = iter([pupil.id for pupil in joiners])

    def invoice_one() -> float:
        with transaction(factory) as session:
            pupil, term = session.get_one(Student, next(ids)), session.get_one(Term, seeded.term_id)
            started = time.perf_counter()
            invoice_student(session, pupil, term, actor="bench")
            return time.perf_counter() - started

    return median(invoice_one, calls=count, budget=0, warmup=0)


def read_pair(factory: sessionmaker[Session], read: Read, short: int, long: int, calls: int) -> Pair:
    return Pair(*(read_time(factory, pupil, read, calls) for pupil in (short, long)))


def read_time(factory: sessionmaker[Session], student_id: int, read: Read, calls: int) -> Median:
    """One read in a fresh session, as one USSD or SMS request makes it; the student is loaded first."""

    def once() -> float:
        with factory() as session:
            pupil = session.get_one(Student, student_id)
            started = time.perf_counter()
            read(session, pupil)
            return time.perf_counter() - started

    return median(once, calls=calls, budget=10)


def analyze(engine: Engine) -> None:
    """Give the planner statistics, as PostgreSQL's autovacuum would in time (SQLite never does unasked)."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def explain_read(
    engine: Engine, factory: sessionmaker[Session], name: str, short: int, long: int
) -> list[str]:
    """Each query the read sends, timed for both students, with the plan of those that grow."""
    captured = []
    for pupil in (short, long):
        with factory() as session:
            student = session.get_one(Student, pupil)
            with captured_sql(engine) as seen:
                READS[name](session, student)
        captured.append([(sql, params) for sql, params in seen if sql.lstrip().upper().startswith("SELECT")])
    lines = [f"{name}: each query's time for the {SHORT}-entry / the long student"]
    for (sql, short_params), (_, long_params) in zip(*captured, strict=False):
        times = [statement_ms(engine, sql, params) for params in (short_params, long_params)]
        lines.append(f"  {times[0]:7.2f} / {times[1]:7.2f} ms  {' '.join(sql.split())[:120]}")
        if times[1] > 2 * times[0] and times[1] > 0.5:
            lines += [f"      {step}" for step in plan(engine, sql, long_params)]
    return lines
