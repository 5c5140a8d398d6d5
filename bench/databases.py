"""Fresh databases for a benchmark run: a PostgreSQL database dropped and recreated, or a SQLite file."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.migrate import upgrade_engine
from ledger.db import make_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/karo_bench"


def fresh_postgres(url: str = PG_URL) -> Engine:
    """A migrated, empty database at ``url``, dropped and created again so every run starts alike."""
    target = make_url(url)
    if not (target.database or "").startswith("karo_bench"):
        raise ValueError(f"refusing to drop {target.database!r}: benchmark databases are named karo_bench*")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return migrated(url)


def fresh_sqlite(directory: Path) -> Engine:
    """A migrated SQLite file in ``directory`` (a temporary directory the caller removes)."""
    return migrated(f"sqlite:///{directory / 'karo_bench.db'}")


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    upgrade_engine(engine)
    return engine


def server_version(engine: Engine) -> str:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            version = str(conn.scalar(text("SHOW server_version"))).split()[0]
            autovacuum = conn.scalar(text("SHOW autovacuum"))
        return f"PostgreSQL {version} (autovacuum {autovacuum})"
    return f"SQLite {sqlite3.sqlite_version}"


def machine_note() -> str:
    """What the figures were measured on: they only compare with figures from the same machine."""
    return (
        f"{os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )
