"""Structured logs for the long-running processes: one JSON object a line, a request id, nothing private.

The standard library's logging with a small formatter rather than structlog: every module already logs
through ``logging.getLogger`` (and so do uvicorn, RQ and SQLAlchemy), so one formatter and one filter on
the root handler cover them all without a second logging API or a new dependency.

- ``REQUEST_ID`` (a context variable) is set per request by ``RequestIdMiddleware`` from ``X-Request-ID``
  or made up, is put on every record logged while the request runs, goes into the meta of RQ jobs enqueued
  during it (``job_meta``), and is set again around the job by ``KaroWorker``: a hop and its job share it.
- ``PrivacyFilter`` masks phone numbers (``+2547****5678``), the settings' secret values, ``token=`` and
  ``api_key`` values and Authorization headers, in the message and in its arguments, on every record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str | None] = ContextVar("karo_request_id", default=None)
HEADER = "x-request-id"
MAX_REQUEST_ID = 64  # a longer client-given id is cut: it is a label, not a payload

# Kenyan mobile numbers in any form: +254 7xx, 254 1xx, 07xx, 01xx, with spaces or dashes between groups.
PHONE = re.compile(r"(?<!\d)(?:\+?254|0)[\s-]?([17]\d{2})[\s-]?(\d{3})[\s-]?(\d{3})(?!\d)")
KEYED_SECRET = re.compile(
    r"(?i)(token|api[_-]?key|password|secret|passkey|authorization)([\"']?\s*[=:]\s*[\"']?)"
    r"(?:bearer\s+|basic\s+)?[^\s&\"',;}]+"
)
MASK = "***"


def mask_phones(text: str) -> str:
    """``+254712345678`` and ``0712 345 678`` -> ``+2547****5678``: the network digit and the last four."""
    return PHONE.sub(_phone_mask, text)


class PrivacyFilter(logging.Filter):
    """Masks phones and secrets in each record's message (formatted with its args) and its traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = KEYED_SECRET.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
        return PHONE.sub(_phone_mask, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be kept, scrubbed
            message = f"{record.msg} {record.args!r}"
        scrubbed = self.scrub(message)
        if scrubbed != message:  # else the args stay, for formatters that read them (uvicorn's access log)
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
            record.exc_info = None  # the scrubbed text is what is shown
        record.request_id = REQUEST_ID.get()
        return True


def _phone_mask(match: re.Match[str]) -> str:
    """The network digit (7 or 1) and the last four digits: enough to tell numbers apart in a log."""
    digits = match[1] + match[2] + match[3]
    return f"+254{digits[0]}****{digits[-4:]}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def install_privacy(secrets: Iterable[str] = ()) -> None:
    """Scrub every record as it is made (``PrivacyFilter``), whichever logger and handler it goes to:
    a filter on one handler would miss records another handler (a test's, a library's) takes."""
    scrub = PrivacyFilter(secrets).filter
    make = _BASE_FACTORY

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        scrub(record)
        return record

    logging.setLogRecordFactory(factory)


_BASE_FACTORY = logging.getLogRecordFactory()


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """JSON lines on stderr for the whole process (serve, worker, scheduler), every record scrubbed."""
    install_privacy(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "rq.worker", "rq.cron"):
        child = logging.getLogger(name)
        child.handlers[:] = []
        child.propagate = True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's ``log_config`` that leaves the root handler (``configure_logging``) to every logger,
    so each worker process it starts logs JSON too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["privacy"]}},
        "formatters": {"json": {"()": "bot.logs.JsonFormatter"}},
        "filters": {"privacy": {"()": "bot.logs.privacy_from_env"}},
        "root": {"handlers": ["json"], "level": "INFO"},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def privacy_from_env() -> PrivacyFilter:
    """Scrubbing with this process's settings' secrets, installed as each uvicorn worker process configures
    its logging (``uvicorn_log_config``); the filter returned is the handler's second line of defence."""
    from bot.settings import get_settings

    secrets = secret_values(get_settings())
    install_privacy(secrets)
    return PrivacyFilter(secrets)


def secret_values(settings: Any) -> list[str]:
    """The plain values of every ``SecretStr`` setting, and the passwords in the URLs."""
    from urllib.parse import urlsplit

    from pydantic import SecretStr

    values = [v.get_secret_value() for v in vars(settings).values() if isinstance(v, SecretStr)]
    for url in (settings.database_url, settings.redis_url):
        password = urlsplit(url).password if url else None
        if password:
            values.append(password)
    return values


def job_meta() -> dict[str, str]:
    """What an RQ job enqueued now carries, so its worker logs under the same request id."""
    request_id = REQUEST_ID.get()
    return {"request_id": request_id} if request_id else {}


class RequestIdMiddleware:
    """Sets ``REQUEST_ID`` for the request (its ``X-Request-ID`` if sane, else a new one) and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = _sane(given) or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def _sane(given: str) -> str | None:
    given = given.strip()[:MAX_REQUEST_ID]
    return given if given and re.fullmatch(r"[A-Za-z0-9._:-]+", given) else None
