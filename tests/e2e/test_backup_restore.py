"""docs/deployment.md's backup and restore, done as written: a school's books (payments, a reversal, a
bursary) dumped with ``pg_dump -Fc``, restored with ``pg_restore`` into a new database, where ``karo db
upgrade`` finds nothing to do, ``ledger.books.checks`` find nothing wrong and every balance is the original's.
PostgreSQL only (the dump is PostgreSQL's own tool)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.migrate import upgrade_url
from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.invoicing import invoice_student
from ledger.billing.sponsors import sponsor_named
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Account, Entry, EntryKind, PaymentSource
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.payments.corrections import Destination, reverse_payment
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests import builders as b
from tests.conftest import PG_URL

TOOLS = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
pytestmark = pytest.mark.skipif(
    not all(TOOLS.values()),
    reason=f"needs PostgreSQL's client tools on PATH, missing: {[n for n, p in TOOLS.items() if not p]}",
)
DAY = dt.date(2026, 1, 20)
NOW = dt.datetime(2026, 1, 20, 10, 0, tzinfo=dt.UTC)
SEEDED_KINDS = (EntryKind.INVOICE, EntryKind.PAYMENT, EntryKind.REVERSAL, EntryKind.BURSARY)


def libpq_url(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (no ``+psycopg``), password included."""
    target = make_url(url).set(drivername="postgresql")
    if database is not None:
        target = target.set(database=database)
    return target.render_as_string(hide_password=False)


@pytest.fixture
def restored_url() -> Iterator[str]:
    """A new, empty database next to the test one, dropped afterwards."""
    name = f"{make_url(PG_URL).database}_restore"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_books(session: Session) -> None:
    """One school: six invoiced pupils, payments by several methods, one voided and one sent back to
    suspense, an unmatched payment, and a bursary credited against a sponsor."""
    school = b.school(session, slug="restore-sec")
    term = b.term(session, school, "2026-1")
    form1 = b.school_class(session, school, "Form 1")
    b.fees(session, term, form1, {b.vote_head(session, school, "Tuition", 10): 2_000_000})
    pupils = [b.student(session, form1, f"R-{n}", f"Pupil {n}") for n in range(6)]
    for pupil in pupils:
        invoice_student(session, pupil, term, actor="bursar")
    sources = [PaymentSource.MPESA_PAYBILL, PaymentSource.CASH, PaymentSource.BANK]
    payments = []
    for n, pupil in enumerate(pupils):
        paid = Received(sources[n % len(sources)], f"RCP{n:03d}", (n + 1) * 150_000, DAY)
        payments.append(record_payment(session, school.id, paid, pupil, actor="bursar", now=NOW)[0])
    unmatched = Received(PaymentSource.MPESA_PAYBILL, "RCPLOST", 99_900, DAY, account_text="nobody")
    record_payment(session, school.id, unmatched, None, actor="bursar", now=NOW)
    reverse_payment(
        session, payments[0], Destination.VOID, reason="cheque bounced", actor="bursar", now=NOW, on=DAY
    )
    reverse_payment(
        session, payments[1], Destination.SUSPENSE, reason="wrong child", actor="bursar", now=NOW, on=DAY
    )
    sponsor, _ = sponsor_named(session, school.id, "NG-CDF Kibra")
    award_bursary(
        session, pupils[2], term, sponsor, AwardTerms(amount=500_000), key="cdf-1", actor="bursar", on=DAY
    )
    session.commit()


def snapshot(session: Session) -> dict[str, Any]:
    """What the books say: every account's cached balance, every student's balance,
    the journal's entries by kind."""
    return {
        "accounts": session.execute(
            select(Account.id, Account.kind, Account.balance).order_by(Account.id)
        ).all(),
        "students": {
            s.admission_no: student_balance(session, s).total
            for s in session.scalars(select(Student).order_by(Student.id))
        },
        "entries by kind": dict(session.execute(select(Entry.kind, func.count()).group_by(Entry.kind)).all()),
    }


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def test_a_dump_restored_into_a_new_database_needs_no_migration_and_keeps_the_books_whole(
    pg: Engine, restored_url: str, tmp_path: Path
) -> None:
    with session_factory(pg)() as session:
        seed_books(session)
        original = snapshot(session)
    kinds = original["entries by kind"]
    assert len(original["students"]) == 6 and all(kinds.get(kind) for kind in SEEDED_KINDS), kinds

    dump = tmp_path / "karo.dump"
    subprocess.run(
        [TOOLS["pg_dump"], "--format=custom", "--no-owner", f"--file={dump}", libpq_url(PG_URL)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert dump.stat().st_size > 0
    subprocess.run(
        [TOOLS["pg_restore"], "--no-owner", "--exit-on-error"]
        + [f"--dbname={libpq_url(restored_url)}", str(dump)],
        check=True,
        capture_output=True,
        timeout=120,
    )

    restored = make_engine(restored_url)
    try:
        before = revision(restored)
        assert before == revision(pg)
        upgrade_url(restored_url)  # `karo db upgrade`: the dump carries the schema's version
        assert revision(restored) == before
        with session_factory(restored)() as session:
            assert unbalanced_entries(session) == []
            assert cached_balance_mismatches(session) == []
            assert snapshot(session) == original
    finally:
        restored.dispose()
