"""Cursor pagination: a page of items and the opaque cursor of the next page (None on the last).

A cursor is the sort key of the last item handed out (e.g. ``(updated_at, id)``), so a page never skips
or repeats a row when rows are added meanwhile, as offsets would."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from bot.api.problems import Problem

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort key a cursor carries; a cursor that is not one of ours is a 400, never a 500."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.") from None
    if not isinstance(key, list):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.")
    return key
