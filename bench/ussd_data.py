"""The USSD benchmark's data: the demo schools (``bot.demo.seed``) in PostgreSQL, and who may dial.

Seeding the demo takes about 40 s (its attendance registers go through the bursar's CSV import row by
row), so the seeded database is kept as a template, ``karo_bench_ussd_seed``, and each run copies it
afresh (``CREATE DATABASE ... TEMPLATE``, about a second). The template is rebuilt when the day or any
source file that shapes the seed (``ledger/``, ``bot/demo/``, ``bot/migrations/``) has changed: its
fingerprint is kept as the template database's comment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from bench.databases import fresh_postgres
from bot.demo.seed import seed
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.records.tables import Guardian, School

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench_ussd"
TEMPLATE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench_ussd_seed"
# A machine that runs other Redis work (a helper's own server) points the bench elsewhere; db 14 by default.
REDIS_URL = os.environ.get("KARO_BENCH_USSD_REDIS_URL", "redis://127.0.0.1:6379/14")
SHARED_CODE = "*384*1#"  # a code no school owns: the deployment's shared code
ROOT = Path(__file__).resolve().parent.parent
SEED_SOURCES = ("ledger", "bot/demo", "bot/migrations")


@dataclass(frozen=True)
class Caller:
    """A guardian's phone and the codes it may dial: the shared code, and its school's own."""

    phone: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Prepared:
    callers: tuple[Caller, ...]
    students: int
    seeded_in: float | None  # seconds spent seeding the template; None when it was reused


def prepare(today: dt.date) -> Prepared:
    """A fresh copy of the seeded demo at ``URL`` (seeding the template first if it is stale)."""
    seeded_in = ensure_template(today)
    copy_template()
    engine = make_engine(URL)
    try:
        return Prepared(callers(engine), count_students(engine), seeded_in)
    finally:
        engine.dispose()


def ensure_template(today: dt.date) -> float | None:
    wanted = fingerprint(today)
    if template_fingerprint() == wanted:
        return None
    started = time.perf_counter()
    engine = fresh_postgres(TEMPLATE_URL)
    try:
        seed(session_factory(engine), today)
        with engine.connect() as conn:
            # A live database has planner statistics (autovacuum); this server runs with it off.
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        engine.dispose()
    with admin() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{database(TEMPLATE_URL)}\" IS '{wanted}'"))
    return time.perf_counter() - started


def fingerprint(today: dt.date) -> str:
    digest = hashlib.sha256(today.isoformat().encode())
    for folder in SEED_SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def template_fingerprint() -> str | None:
    query = text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name")
    with admin() as conn:
        return conn.scalar(query, {"name": database(TEMPLATE_URL)})


def copy_template() -> None:
    target = database(URL)
    with admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{database(TEMPLATE_URL)}"'))


def drop_copy() -> None:
    with admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database(URL)}" WITH (FORCE)'))


@contextmanager
def admin() -> Iterator[Connection]:
    """An AUTOCOMMIT connection to the server's ``postgres`` database."""
    engine = create_engine(make_url(URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def database(url: str) -> str:
    name = make_url(url).database or ""
    if not name.startswith("karo_bench"):
        raise ValueError(f"refusing {name!r}: benchmark databases are named karo_bench*")
    return name


def callers(engine: Engine) -> tuple[Caller, ...]:
    """Every guardian phone, with its schools' own codes after the shared one."""
    query = select(Guardian.phone, School.ussd_code).join(School, School.id == Guardian.school_id)
    codes: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for phone, code in conn.execute(query.order_by(Guardian.phone, School.id)):
            codes.setdefault(phone, [SHARED_CODE]).extend([code] if code else [])
    return tuple(Caller(phone, tuple(found)) for phone, found in codes.items())


def count_students(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM students")) or 0)


def flush_redis() -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()
