"""Cursor pages over a child's short lists (a few terms, a few exams), already read whole and in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.api.pages import Page, decode_cursor, encode_cursor
from bot.api.problems import Problem

T = TypeVar("T")


def in_memory_page(
    items: Sequence[T], key: Callable[[T], list[Any]], cursor: str | None, limit: int
) -> Page[T]:
    """The ``limit`` items after the one whose key the cursor carries."""
    start = 0
    if (after := decode_cursor(cursor)) is not None:
        keys = [key(item) for item in items]
        if after not in keys:
            raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.")
        start = keys.index(after) + 1
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return Page[T](items=page, next_cursor=encode_cursor(key(page[-1])) if more and page else None)
