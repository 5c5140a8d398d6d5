"""Reading a hop's form body as Africa's Talking posts it, without FastAPI's ``Form`` machinery.

Africa's Talking sends ``application/x-www-form-urlencoded`` bodies of a few hundred bytes; parsing them
with ``urllib.parse`` costs a fraction of what declaring ``Form`` fields on a route does (see the USSD
section of bench/README.md). Values decode as Starlette's form parser decodes them (the bytes as
Latin-1, percent-escapes as UTF-8) and the last of a repeated field wins, as with ``Form``; any other
content type (a multipart form, say) goes through Starlette's parser.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

MAX_BODY_BYTES = 16 * 1024  # a real hop is a few hundred bytes; the text field is capped by the network
MAX_FIELDS = 50  # Africa's Talking sends six


class BadForm(Exception):
    """The body is no form a gateway would send: too large, too many fields, or unparseable."""


async def read_form(request: Request) -> dict[str, str]:
    """The hop's fields, each the last value posted for its name."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return await _starlette_form(request)
    body = await _capped_body(request)
    try:
        parsed = parse_qs(
            body.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="replace"
        )
    except ValueError as error:
        raise BadForm(str(error)) from error
    return {name: values[-1] for name, values in parsed.items()}


async def _capped_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadForm("body too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadForm("body too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _starlette_form(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_fields=MAX_FIELDS, max_part_size=MAX_BODY_BYTES)
    except (HTTPException, MultiPartException) as error:  # Starlette's 400 for a malformed multipart
        raise BadForm(str(error)) from error
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}
