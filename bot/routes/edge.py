"""The edge every webhook passes first: its body read (capped), checked and parsed in one place.

What the database cannot store is caught here, before any provider parser or table sees it: a NUL character
(PostgreSQL text refuses it) or a lone surrogate, a value longer than the column it lands in, an integer
beyond its column, JSON nested deeper than any provider sends (Python's parser would recurse out of its
stack; the depth is counted on the raw text before parsing). A body Karo cannot use is kept word for word
(NULs escaped, at most ``MAX_BODY_BYTES``) in the one store of unusable webhook bodies,
``ledger.payments.callbacks``, and answered 400 (a USSD hop: an END screen); a provider redelivers on 5xx,
so a 500 for such a body would come back forever.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from sqlalchemy.orm import InstrumentedAttribute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from bot import metrics
from bot.bootstrap import Services
from ledger.payments.callbacks import keep_failure

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a real webhook is a few hundred bytes to a few kilobytes
MAX_FIELDS = 100  # Twilio sends about twenty form fields, Africa's Talking six to twelve
MAX_TEXT = 4096  # any value no rule names (Twilio's Body is at most 1,600 characters)
MAX_DEPTH = 16  # Daraja's STK callback is five deep
MAX_DIGITS = 18  # a JSON integer longer than this fits no BIGINT column
INT32 = (0, 2**31 - 1)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_WHOLE = re.compile(r"[0-9]+")
_DEPTH = {"[": 1, "{": 1, "]": -1, "}": -1}


class Unusable(ValueError):
    """A webhook body Karo cannot use: the reason is kept with the body."""


def length(column: InstrumentedAttribute[Any]) -> int:
    """The longest value a String column takes: rules follow the columns, so they cannot drift apart."""
    size: int = column.property.columns[0].type.length
    return size


@dataclass(frozen=True)
class Rules:
    """One webhook's field rules: the longest each named field may be, and integer fields' ranges."""

    lengths: Mapping[str, int] = field(default_factory=dict)
    integers: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def check(self, name: str, value: object) -> None:
        text = (
            value if isinstance(value, str) else json.dumps(value) if isinstance(value, int | float) else ""
        )
        _check_text(name)
        _check_text(text)
        if len(text) > self.lengths.get(name, MAX_TEXT):
            raise Unusable(f"{name[:40]!r} is longer than {self.lengths.get(name, MAX_TEXT)} characters")
        if name in self.integers and text.strip():
            low, high = self.integers[name]
            if not _WHOLE.fullmatch(text.strip()) or not low <= int(text) <= high:
                raise Unusable(f"{name!r} is not a whole number in {low}..{high}")


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise Unusable("a NUL character")
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise Unusable("a lone surrogate (not UTF-8)") from error


async def read_body(request: Request) -> bytes:
    """The body, read no further than one byte past ``MAX_BODY_BYTES`` (``too_large`` says so)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            break
    body = b"".join(chunks)
    request._body = body  # noqa: SLF001  (Starlette's own cache: request.form() reads it again)
    return body


def too_large(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise Unusable(f"body larger than {MAX_BODY_BYTES} bytes")


async def parse_form(request: Request, body: bytes) -> dict[str, str]:
    """The form's fields as posted (the last value of a repeated name, as with FastAPI's ``Form``)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _multipart(request)
    try:  # Africa's Talking and Twilio post urlencoded forms; another content type is read as one
        parsed = parse_qs(body.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as error:
        raise Unusable(str(error)) from error
    return {name: values[-1] for name, values in parsed.items()}


async def form_of(request: Request, body: bytes, rules: Rules) -> dict[str, str]:
    """The form's fields, each checked against ``rules``."""
    fields = await parse_form(request, body)
    for name, value in fields.items():
        rules.check(name, value)
    return fields


async def _multipart(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_fields=MAX_FIELDS, max_part_size=MAX_BODY_BYTES)
    except (StarletteHTTPException, MultiPartException, ValueError) as error:
        raise Unusable(f"unreadable multipart form: {error}") from error
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


def json_object(body: bytes, rules: Rules) -> dict[str, Any]:
    """The body as a JSON object, checked: depth first (before parsing), then every value."""
    try:
        text = body.decode()
    except UnicodeDecodeError as error:
        raise Unusable("the body is not UTF-8") from error
    brackets = "".join(c for c in _STRINGS.sub("", text) if c in _DEPTH)
    if max(accumulate(_DEPTH[c] for c in brackets), default=0) > MAX_DEPTH:
        raise Unusable(f"JSON nested deeper than {MAX_DEPTH}")
    try:
        parsed = json.loads(text, parse_int=_integer, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise Unusable(f"malformed: not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise Unusable("malformed: the body is not a JSON object")
    _check_tree(parsed, rules)
    return parsed


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"the number {digits[:20]}... is too large")
    return int(digits)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _check_tree(value: Any, rules: Rules, name: str = "") -> None:
    if isinstance(value, dict):
        if isinstance(value.get("Name"), str) and "Value" in value:  # Daraja's CallbackMetadata items
            rules.check(value["Name"], value["Value"])
        for key, item in value.items():
            _check_tree(item, rules, key)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, rules, name)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Unusable(f"{name!r} is not a finite number")
    else:
        rules.check(name, value)


def kept_text(raw: bytes | str) -> str:
    """``raw`` as text the database stores: undecodable bytes and NULs escaped, at most the body cap."""
    text = raw.decode(errors="backslashreplace") if isinstance(raw, bytes) else raw
    text = text.encode(errors="backslashreplace").decode()  # lone surrogates
    return text.replace("\x00", "\\x00")[:MAX_BODY_BYTES]


def keep(services: Services, route: str, body: bytes | str, reason: str) -> None:
    """Keep an unusable body word for word for review; if the database is down it is lost, and the log says
    so by its size only (a body holds phone numbers and parents' words, which logs never do)."""
    try:
        with services.sessions.begin() as session:
            keep_failure(
                session,
                route=route,
                payload=kept_text(body),
                reason=kept_text(reason),
                now=dt.datetime.now(dt.UTC),
            )
    except Exception:
        log.exception("could not keep a %s webhook body of %d bytes (%s)", route, len(body), reason)


async def refuse(request: Request, services: Services, route: str, reason: str) -> HTTPException:
    """Keep the request's body, and the 400 to raise for it."""
    log.warning("refused a %s webhook body: %s", route, reason)
    metrics.CALLBACKS.labels(route, "refused").inc()
    await run_in_threadpool(keep, services, route, await request.body(), reason)
    return HTTPException(status_code=400, detail=f"unusable body: {reason}")


async def usable_form(
    request: Request, services: Services, route: str, rules: Rules
) -> dict[str, str] | None:
    """The request's form if Karo can use it; else None, the body kept."""
    body = await read_body(request)
    try:
        too_large(body)
        return await form_of(request, body, rules)
    except Unusable as error:
        await refuse(request, services, route, str(error))
        return None


async def checked_form(request: Request, services: Services, route: str, rules: Rules) -> dict[str, str]:
    """The request's form if Karo can use it; else the body is kept and 400 raised."""
    form = await usable_form(request, services, route, rules)
    if form is None:
        raise HTTPException(status_code=400, detail="unusable body: kept for review")
    return form


async def checked_json(
    request: Request, services: Services, route: str, rules: Rules
) -> tuple[dict[str, Any], str]:
    """The request's JSON object and its text if Karo can use it; else the body is kept and 400 raised."""
    body = await read_body(request)
    try:
        too_large(body)
        return json_object(body, rules), body.decode()
    except Unusable as error:
        raise await refuse(request, services, route, str(error)) from error
