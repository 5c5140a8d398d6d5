"""Shared fixtures: a migrated database on real PostgreSQL and on SQLite, emptied between tests.

Which database ``engine`` is: the tests under ``BOTH_DATABASES`` (the ledger's, the CSV imports' among
them) run twice, on PostgreSQL and on the embedded SQLite default; every other test runs on PostgreSQL
only. Tests of the embedded default itself (the demo, ``karo serve`` without Redis) open their own SQLite
file. A test may name its own, ``@pytest.mark.parametrize("engine", ["pg", "sqlite"], indirect=True)``.
Each test's id says its database: ``test_x[pg]``, ``test_x[sqlite]``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import Base, make_engine
from ledger.messaging.bus import session_factory

PG_URL = os.environ.get("KARO_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/karo_test")
REDIS_URL = os.environ.get("KARO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TESTS = Path(__file__).resolve().parent
# Hypothesis keeps its examples and constants out of the repository (a test run writes only to tmp), in a
# folder that outlives the run so a failing example is tried first next time.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "karo-hypothesis")
BOTH_DATABASES = (TESTS / "integration" / "ledger",)
# Tests that flush a whole Redis database of their own (a worker killed mid-batch, the shared rate limit).
SPARE_REDIS_URL = os.environ.get("KARO_TEST_SPARE_REDIS_URL", "redis://127.0.0.1:6379/13")


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


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
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
