"""Declarative base, engine and session factories, for PostgreSQL and SQLite alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import DateTime, Interval, MetaData, create_engine, event
from sqlalchemy.engine import URL, CursorResult, Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from ledger.errors import LedgerError
from ledger.events import HANDLER, PENDING, drop_rolled_back

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment, stored as UTC and read back aware in UTC on either database.

    PostgreSQL's timestamptz keeps the instant; SQLite keeps only the text of the wall clock it was given and
    hands it back naive, so an aware moment is written in UTC and a naive one read back is UTC. The impl is
    DateTime(timezone=True), so the migrations' columns are unchanged (alembic compares the impl)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        # ``claimed_at - timedelta(...)``: the interval is an Interval, not a moment to convert to UTC.
        if isinstance(value, dt.timedelta):
            return Interval()
        return self


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Enough pooled connections for the web server's thread pool (40 threads): fewer means a
    # connection opened and closed per request under load.
    options = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 30, **kwargs}
    target, prepares = _prepare_threshold(make_url(url))
    options["connect_args"] = {**options.get("connect_args", {}), **prepares}
    return create_engine(target, **options)


def _prepare_threshold(url: URL) -> tuple[URL, dict[str, int | None]]:
    """``?prepare_threshold=none`` in a PostgreSQL URL: psycopg never prepares statements on the server,
    as PgBouncer in transaction mode before 1.21 needs (a prepared statement would be looked for on
    another server connection); a number sets after how many runs it prepares. The URL without it, and
    psycopg's connect argument (none when the URL does not say)."""
    text = url.query.get("prepare_threshold")
    if text is None:
        return url, {}
    value = text if isinstance(text, str) else text[-1]
    bare = url.difference_update_query(["prepare_threshold"])
    if value.lower() in ("none", ""):
        return bare, {"prepare_threshold": None}
    if not value.isdigit():
        raise ValueError(f"prepare_threshold in the database URL: 'none' or a number, not {value!r}")
    return bare, {"prepare_threshold": int(value)}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below), so writers queue up instead of failing
        # with "database is locked" when two upgrade a shared lock at once.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(
    engine: Engine, *, on_commit: Callable[[Session], None] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``on_commit`` handles their domain events before each commit (the message
    bus: ``ledger.messaging.bus.session_factory``). Events left unhandled refuse the commit, so no receipt
    is ever dropped by a session made without the bus."""
    factory = sessionmaker(engine, expire_on_commit=False, info={HANDLER: on_commit} if on_commit else None)
    event.listen(factory, "after_soft_rollback", drop_rolled_back)
    event.listen(factory, "before_commit", partial(_before_commit, on_commit))
    return factory


def _before_commit(on_commit: Callable[[Session], None] | None, session: Session) -> None:
    if on_commit is not None:
        on_commit(session)
    if session.info.get(PENDING):
        raise LedgerError("domain events were raised in a session made without the message bus")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def per_transaction(session: Session, key: str) -> dict[Any, Any]:
    """A dict kept in ``session.info`` for the session's current transaction only (started afresh by the
    next): what a unit of work reads once, such as a school's webhook endpoints or fee rules."""
    transaction = session.get_transaction()
    kept: tuple[Any, dict[Any, Any]] | None = session.info.get(key)
    if kept is None or kept[0] is not transaction:
        kept = (transaction, {})
        session.info[key] = kept
    return kept[1]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def read_rows(
    session: Session, statement: Executable, params: Mapping[str, Any]
) -> CursorResult[*tuple[Any, ...]]:
    """A Core ``select`` of columns, run on the session's connection: the rows, without the ORM's
    per-statement work (half the CPU of ``session.execute`` for a small read; bench/README "USSD").
    Changes waiting in the session are flushed first, as ``session.execute`` would, so a read after a
    write in the same unit of work sees it."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)
