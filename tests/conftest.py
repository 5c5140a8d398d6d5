"""Shared fixtures: a migrated database on real PostgreSQL and on SQLite, emptied between tests.

Which database ``engine`` is: the tests under ``BOTH_DATABASES`` (the ledger's, the CSV imports' among
them) run twice, on PostgreSQL and on the embedded SQLite default; every other test runs on PostgreSQL
only. Tests of the embedded default itself (the demo, ``karo serve`` without Redis) open their own SQLite
file. A test may name its own, ``@pytest.mark.parametrize("engine", ["pg", "sqlite"], indirect=True)``.
Each test's id says its database: ``test_x[pg]``, ``test_x[sqlite]``."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis.configuration import set_hypothesis_home_dir
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import Base, make_engine
from ledger.messaging.bus import session_factory

# Under pytest-xdist (scripts/test runs two workers) each worker has its own databases: "gw0", "gw1".
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_DATABASES_PER_WORKER = 8  # worker n uses Redis database d - 8n for d: 15, 13, 11 by default


def worker_pg(url: str) -> str:
    """``url`` with the worker's own database (karo_test_gw1), or as it is outside xdist."""
    if not WORKER:
        return url
    target = make_url(url)
    return target.set(database=f"{target.database}_{WORKER}").render_as_string(hide_password=False)


def worker_redis(url: str) -> str:
    """``url`` with the worker's own Redis database number, or as it is outside xdist."""
    n = int(WORKER.removeprefix("gw") or 0)
    if n == 0:
        return url
    base, _, number = url.rpartition("/")
    database = int(number) - REDIS_DATABASES_PER_WORKER * n
    if database < 0:
        raise RuntimeError(f"too many xdist workers for the test Redis databases ({WORKER}: {url})")
    return f"{base}/{database}"


PG_URL = worker_pg(
    os.environ.get("KARO_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/karo_test")
)
REDIS_URL = worker_redis(os.environ.get("KARO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
TESTS = Path(__file__).resolve().parent
# Hypothesis keeps its examples and constants out of the repository (a test run writes only to tmp), in a
# folder that outlives the run so a failing example is tried first next time.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "karo-hypothesis")
BOTH_DATABASES = (TESTS / "integration" / "ledger",)
# Tests that flush a whole Redis database of their own (a worker killed mid-batch, the shared rate limit).
SPARE_REDIS_URL = worker_redis(os.environ.get("KARO_TEST_SPARE_REDIS_URL", "redis://127.0.0.1:6379/13"))


def flushed_redis(url: str) -> Iterator[Redis]:
    """A client of the Redis database at ``url``, emptied before and after: for a fixture to yield from."""
    client = Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _create_pg_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate(engine: Engine) -> None:
    from bot.migrate import upgrade_engine

    upgrade_engine(engine)


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    _create_pg_database(PG_URL)
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "karo.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


# Every table of the schema emptied and every sequence back at its start, as TRUNCATE ... RESTART IDENTITY
# CASCADE would, but a hundred times faster: TRUNCATE makes new files for ~40 tables (0.1-0.3 s, paid by
# every PostgreSQL test and hypothesis example), where deleting the few rows a test wrote takes
# milliseconds. The tables are locked first, as TRUNCATE locks them, so work a previous test left running
# finishes before its rows go (deleting under it could deadlock). The replica role skips triggers (the
# journal is append-only) and foreign-key checks, so the order does not matter; it needs a superuser, as
# the test database's owner ``postgres`` is.
EMPTY_PG = """
DO $$
DECLARE r record;
BEGIN
    PERFORM set_config('session_replication_role', 'replica', true);
    EXECUTE (SELECT 'LOCK TABLE ' || string_agg(format('%I', tablename), ', ') || ' IN ACCESS EXCLUSIVE MODE'
             FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version');
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename <> 'alembic_version' LOOP
        EXECUTE format('DELETE FROM %I', r.tablename);
    END LOOP;
    FOR r IN SELECT schemaname, sequencename, start_value FROM pg_sequences
             WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%I.%I', r.schemaname, r.sequencename), r.start_value, false);
    END LOOP;
END $$
"""
_superuser: dict[str, bool] = {}


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            url = str(engine.url)
            if url not in _superuser:
                _superuser[url] = conn.scalar(text("SELECT current_setting('is_superuser')")) == "on"
            if _superuser[url]:
                conn.execute(text(EMPTY_PG))
            else:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


def databases_for(test_file: Path) -> list[str]:
    """The databases a test in ``test_file`` runs on (see the module's docstring)."""
    both = any(test_file.is_relative_to(folder) for folder in BOTH_DATABASES)
    return ["pg", "sqlite"] if both else ["pg"]


def chooses_its_engine(metafunc: pytest.Metafunc) -> bool:
    """A test that says its own databases (``@pytest.mark.parametrize("engine", ["pg"], indirect=True)``)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if "engine" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames and not chooses_its_engine(metafunc):
        metafunc.parametrize("engine", databases_for(metafunc.definition.path), indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Engine:
    """The database(s) this test runs on, each starting empty: PostgreSQL, and under ``BOTH_DATABASES``
    the embedded SQLite default too."""
    database = getattr(request, "param", "pg")  # "pg" when asked for by name, not as an argument
    engine: Engine = request.getfixturevalue(f"{database}_engine")
    empty_tables(engine)
    return engine


@pytest.fixture
def pg(pg_engine: Engine) -> Engine:
    """PostgreSQL only: for row locks under threads and the deferred balance trigger."""
    empty_tables(pg_engine)
    return pg_engine


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work each test commits (or not) itself, as the app does."""
    with factory() as session:
        yield session


# The day ``karo demo`` seeds as: in the second week of term 3, which keeps the seeded registers short.
DEMO_TODAY = "2026-09-04"
# Settings that would point the demo at real providers, Redis or a public URL instead of its own.
DEMO_UNSET = ("redis_url", "public_url", "daraja_api_url", "webhook_token")


@dataclass(frozen=True)
class SeededDemo:
    """A SQLite file after a first ``karo demo --no-serve``, and what that run printed."""

    db: Path
    first_run: Result

    def copy_to(self, folder: Path) -> Path:
        """A copy of the seeded file in ``folder``, for a test to run the demo on again."""
        return copy_sqlite(self.db, folder / "karo-demo.db")


def copy_sqlite(source: Path, target: Path) -> Path:
    """``source``'s database written to ``target`` (SQLite's backup: whatever its WAL holds too)."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
    return target


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new SQLite file ``karo db upgrade`` migrated, once for the run (migrating takes a second or two):
    the CLI tests each start from a copy (``copy_sqlite``), on which their own ``db upgrade`` finds
    nothing to do."""
    from bot.cli import cli
    from bot.settings import get_settings

    path = tmp_path_factory.mktemp("migrated") / "karo.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KARO_DATABASE_URL", f"sqlite:///{path}")
        env.delenv("KARO_REDIS_URL", raising=False)
        get_settings.cache_clear()
        result = CliRunner().invoke(cli, ["db", "upgrade"], prog_name="karo")
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> SeededDemo:
    """The demo seeded once for the run (a first seeding takes 10-20 s): tests/e2e/test_demo.py reads it
    and runs it again, tests/browser/test_demo_mpesa.py serves a copy."""
    from bot.cli import cli
    from bot.demo.simulators import PROVIDER_SETTINGS
    from bot.settings import get_settings

    db = tmp_path_factory.mktemp("seeded-demo") / "karo-demo.db"
    with pytest.MonkeyPatch.context() as env:
        for name in (*PROVIDER_SETTINGS, *DEMO_UNSET):
            env.delenv(f"KARO_{name.upper()}", raising=False)
        get_settings.cache_clear()
        args = ["demo", "--db", str(db), "--no-serve", "--today", DEMO_TODAY]
        result = CliRunner().invoke(cli, args, prog_name="karo")
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return SeededDemo(db, result)
