"""Inserting rows, skipping those whose unique key is already taken: one row fetched if a racing writer
took its key first (``insert_or_fetch``), or many at once (``insert_ignoring_duplicates``).

On PostgreSQL the rows are streamed with COPY into a temporary table, then moved with one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: about twice as fast as a pipelined executemany for a
campaign's tens of thousands of rows (bench/reminders), with the same outcome. Elsewhere (SQLite, or a
driver without COPY) one executemany of ``INSERT ... ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ledger.db import Base, is_postgres

Row = TypeVar("Row", bound=Base)


def insert_or_fetch(
    session: Session, model: type[Row], values: Mapping[str, Any], find: Callable[[], Row | None]
) -> tuple[Row, bool]:
    """The row ``find`` returns, else a new ``model`` of ``values``; returns (row, created).

    One ``INSERT ... ON CONFLICT DO NOTHING``: when a concurrent transaction commits the same unique key
    first, PostgreSQL waits for it, inserts nothing, and ``find`` then reads the winner's row; the
    caller's transaction stays usable, without a savepoint."""
    found = find()
    if found is not None:
        return found, False
    table = model.__table__
    assert isinstance(table, Table)
    dialect = postgresql if is_postgres(session) else sqlite
    statement = dialect.insert(table).values(dict(values)).on_conflict_do_nothing().returning(table.c.id)
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is None:
        found = find()
        if found is None:
            raise LookupError(f"{table.name}: the row in the way of {dict(values)} cannot be found")
        return found, False
    return session.get_one(model, new_id), True


def insert_ignoring_duplicates(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``; a row that would break a unique
    constraint is left out, as a racing writer's row is."""
    if not rows:
        return
    if is_postgres(session) and _copy(session, table, rows):
        return
    dialect = postgresql if is_postgres(session) else sqlite
    session.execute(dialect.insert(table).on_conflict_do_nothing(), list(rows))


def _copy(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    raw = session.connection().connection.driver_connection
    if raw is None or not hasattr(raw, "cursor"):
        return False
    cursor = raw.cursor()
    if not hasattr(cursor, "copy"):  # psycopg 3 has it; another driver takes the executemany road
        return False
    columns = list(rows[0])
    staging = f"bulk_{table.name}"
    names = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    cursor.execute(f"TRUNCATE {staging}")
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copied(row[c], c in as_json) for c in columns])
    cursor.execute(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ON CONFLICT DO NOTHING")
    return True


def _copied(value: Any, as_json: bool) -> Any:
    """A value as COPY must send it: JSON as text, and an enum member as the value its column stores
    (Karo's enum columns store values, which psycopg would otherwise send as the member's name)."""
    if as_json:
        return json.dumps(value)
    return value.value if isinstance(value, enum.Enum) else value
