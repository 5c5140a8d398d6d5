"""What every school route shares: the id lookup that hides other schools, keyset paging, the limit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Path, Query
from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.api.pages import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from bot.api.problems import Problem

M = TypeVar("M")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page.")]
Since = Annotated[dt.datetime | None, Query(description="Only what changed at or after this time.")]
DEFAULT = DEFAULT_LIMIT
MAX_ID = 2**31 - 1  # ids are 32-bit: a larger one is a 422, not a database error
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def owned(session: Session, model: type[M], id_: int, school_id: int, what: str) -> M:
    """The row with this id in the caller's school; another school's is as unknown as a missing one."""
    row: Any = session.get(model, id_)
    if row is None or row.school_id != school_id:
        raise Problem(404, "Not found", f"No {what} {id_} in this school.")
    found: M = row
    return found


def id_after(cursor: str | None) -> int | None:
    """The last id of the previous page, for lists in id order."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    if len(key) != 1 or not isinstance(key[0], int):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.")
    return int(key[0])


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def id_page(
    session: Session,
    query: Select[R],
    id_column: Any,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> tuple[list[R], str | None]:
    """One page of ``query`` in id order (or newest first) after the cursor, and the next page's cursor."""
    after = id_after(cursor)
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(session.scalars(query.order_by(order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].id]) if more else None
