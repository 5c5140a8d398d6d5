"""A lean HTTP/1.1 client for the load: one keep-alive connection, one request at a time.

Why not ``httpx.AsyncClient``: measured on this machine against ``/ceiling`` (2 uvicorn workers, 2 cores),
one process with 200 connections in one httpx client made 94 requests/s on 1.3 cores, and 397/s on
1.0 core with a client per connection, where this client makes about 18,000/s on 0.45 cores. The load
shares the cores with the server, so a heavy client would measure itself rather than the ceiling.
Only what uvicorn answers is handled: a status line, headers, a ``content-length`` body.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from urllib.parse import urlencode

MAX_HEAD = 16_384
# uvicorn closes a keep-alive connection after 5 s idle (--timeout-keep-alive): a parent who reads a
# screen for longer gets a fresh connection, as an HTTP client pool would give it.
IDLE_SECONDS = 4.0


class BadResponse(Exception):
    """The server's answer could not be read (no ``content-length``, a closed connection, ...)."""


@dataclass(frozen=True)
class Response:
    status: int
    text: str


class Connection:
    """Posts forms to ``host:port`` over one connection, opened on first use and again after an error."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0  # time.monotonic() of the last answer

    async def post_form(self, path: str, form: dict[str, str]) -> Response:
        body = urlencode(form).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            return await self._exchange(head.encode() + body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            await self.close()
            raise BadResponse(f"{type(error).__name__}: {error}") from error

    async def _exchange(self, request: bytes) -> Response:
        if self.writer is not None and time.monotonic() - self.used > IDLE_SECONDS:
            await self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)
        assert self.reader is not None
        self.writer.write(request)
        status_line, *headers = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(_header(line) for line in headers if line)
        if "content-length" not in fields:
            raise ValueError(f"no content-length in {status_line!r}")
        body = await self.reader.readexactly(int(fields["content-length"]))
        self.used = time.monotonic()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Response(int(status_line.split(" ", 2)[1]), body.decode())

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()
