"""Ids in dashboard addresses and forms: one the database cannot hold is "no such page" (404).

A route's ids are its path parameters and any query or form field named ``*_id`` (or ``paid``, the payment
just recorded); a path parameter with another name (an invite link's token) is no row id. An id must be
written in ASCII digits and fit a PostgreSQL ``integer`` column (SQLite's are wider): 99999999999999999999
would otherwise overflow the query and answer 500, and -1 or "abc" could never name a row. Checked once, for
every route, by ``check_ids``.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute

MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer; every id column is one
ID_FIELDS = frozenset({"paid"})  # ids whose name does not end in _id
_DIGITS = re.compile(r"[0-9]{1,10}")
NOT_FOUND = "Not found: there is no such page."


def is_id(name: str) -> bool:
    return name.endswith("_id") or name in ID_FIELDS


def row_id(text: str) -> int | None:
    """The id ``text`` names, or None when no row can have it."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


async def check_ids(request: Request) -> None:
    """A dependency of every dashboard route: each id it was given must be one a row can have, else 404.
    An optional id left empty (a filter's "any class") is no id and passes."""
    given = [value for name, value in request.path_params.items() if is_id(name)]
    given += [value for name, value in request.query_params.multi_items() if is_id(name) and value]
    if request.method not in ("GET", "HEAD") and _declares_form_ids(request):
        form = await request.form()  # Starlette keeps it for the route (and the CSRF check) to read
        given += [v for name, v in form.multi_items() if is_id(name) and isinstance(v, str) and v]
    if any(row_id(value) is None for value in given):
        raise HTTPException(404, NOT_FOUND)


def _declares_form_ids(request: Request) -> bool:
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and any(is_id(field.name) for field in route.dependant.body_params)
