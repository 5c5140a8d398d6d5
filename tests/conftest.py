"""Shared fixtures: a migrated database on real PostgreSQL and on SQLite, emptied between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import Base, make_engine, make_session_factory

PG_URL = os.environ.get("KARO_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/karo_test")
REDIS_URL = os.environ.get("KARO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
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


@pytest.fixture(params=["pg", "sqlite"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on real PostgreSQL and on the embedded SQLite default, each starting empty."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    empty_tables(engine)
    return engine


@pytest.fixture
def pg(pg_engine: Engine) -> Engine:
    """PostgreSQL only: for row locks under threads and the deferred balance trigger."""
    empty_tables(pg_engine)
    return pg_engine


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work each test commits (or not) itself, as the app does."""
    with factory() as session:
        yield session
