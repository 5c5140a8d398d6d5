"""A local SMTP sink (aiosmtpd): a real SMTP server on loopback that keeps every message it is given.

``karo demo`` runs it when ``KARO_SMTP_URL`` is unset, and the sandbox's email pane shows its inbox; tests
send through it with Karo's own SMTP client. It refuses mail to the addresses it is told bounce with
``550`` at RCPT (as a receiving server refuses an unknown mailbox), and answers ``451`` to the next few
messages when told to defer. Its inbox is served over HTTP like the other simulators' records:
``GET /_sim/messages``, ``POST /_sim/bounce`` ``{"address": ...}``, ``POST /_sim/defer`` ``{"count": n}``.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.simulators.serve import start_in_thread


class SmtpSink:
    """The sink's state and its aiosmtpd handler (the ``handle_*`` hooks run on aiosmtpd's loop)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.received: dict[str, bytes] = {}  # each message as it came, by its id: tests open attachments
        self.bounces: set[str] = set()
        self.deferrals = 0

    def bounce(self, address: str) -> None:
        with self.lock:
            self.bounces.add(address.strip().lower())

    def defer(self, count: int = 1) -> None:
        with self.lock:
            self.deferrals = count

    def inbox(self, to: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if to is None or to.lower() in m["to"]]

    def attachment(self, message_id: str, index: int = 0) -> bytes:
        """The content of one attachment of a received message (``id`` in its inbox record)."""
        with self.lock:
            raw = self.received[message_id]
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        content = list(message.iter_attachments())[index].get_content()
        return content if isinstance(content, bytes) else str(content).encode()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.lock:
            if address.lower() in self.bounces:
                return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
            if self.deferrals > 0:
                self.deferrals -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            queued = f"SINK{len(self.messages) + 1:06d}"
            self.messages.append(_record(message, envelope, queued))
            self.received[queued] = raw
        return f"250 2.0.0 Ok: queued as {queued}"


def _record(message: EmailMessage, envelope: Envelope, queued: str) -> dict[str, Any]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    return {
        "id": queued,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "from": envelope.mail_from,
        "to": [address.lower() for address in envelope.rcpt_tos],
        "subject": str(message["Subject"] or ""),
        "message_id": str(message["Message-ID"] or ""),
        "language": str(message["Content-Language"] or ""),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "attachments": [_attachment(part) for part in message.iter_attachments()],
    }


def _attachment(part: EmailMessage) -> dict[str, Any]:
    content = part.get_content()
    data = content if isinstance(content, bytes) else str(content).encode()
    return {
        "filename": part.get_filename(),
        "type": part.get_content_type(),
        "size": len(data),
        "starts": data[:5].decode("latin-1"),  # enough to tell a PDF ("%PDF-")
    }


def create_app(sink: SmtpSink) -> Starlette:
    async def messages(request: Request) -> JSONResponse:
        return JSONResponse(sink.inbox(request.query_params.get("to")))

    async def bounce(request: Request) -> JSONResponse:
        sink.bounce(str((await request.json())["address"]))
        return JSONResponse({"bounces": sorted(sink.bounces)})

    async def defer(request: Request) -> JSONResponse:
        sink.defer(int((await request.json()).get("count", 1)))
        return JSONResponse({"deferrals": sink.deferrals})

    return Starlette(
        routes=[
            Route("/_sim/messages", messages),
            Route("/_sim/bounce", bounce, methods=["POST"]),
            Route("/_sim/defer", defer, methods=["POST"]),
        ]
    )


def start_sink(sink: SmtpSink, host: str = "127.0.0.1") -> tuple[str, str, Callable[[], None]]:
    """Serve ``sink`` over SMTP and its inbox over HTTP, each on a free loopback port; return the
    ``smtp://`` URL, the inbox's base URL and a ``stop()`` for both."""
    controller = Controller(sink, hostname=host, port=free_port(host))
    controller.start()
    inbox_url, stop_inbox = start_in_thread(create_app(sink), host)

    def stop() -> None:
        stop_inbox()
        controller.stop()

    return f"smtp://{host}:{controller.port}", inbox_url, stop


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
