"""Posting a simulator's callbacks (delivery reports, status callbacks, inbound webhooks) to the app.

Scheduled callbacks go out from a background thread after a delay, optionally each one twice and in reverse
order, so the send answer never waits on them. Every attempt is logged for ``GET /_sim/callbacks``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Callback:
    """One form-encoded POST to make: where, what, and any headers (e.g. a signature)."""

    url: str
    form: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """How to deliver a batch: wait ``delay`` seconds, send each ``duplicate``d and/or ``reorder``ed
    (reversed, e.g. delivered before sent), retrying a non-2xx answer ``retries`` times."""

    delay: float = 0.0
    duplicate: bool = False
    reorder: bool = False
    retries: int = 0
    retry_delay: float = 0.2


class CallbackPoster:
    """Posts callbacks with httpx, in the background (``schedule``) or at once (``post_now``)."""

    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._log: list[dict[str, object]] = []
        self._pending = 0

    def schedule(self, callbacks: list[Callback], how: Schedule) -> None:
        """Deliver ``callbacks`` from a daemon thread, as ``how`` says; returns immediately."""
        order = [c for c in callbacks for _ in range(2 if how.duplicate else 1)]
        if how.reorder:
            order.reverse()
        with self._lock:
            self._pending += 1
        threading.Thread(target=self._run, args=(order, how), daemon=True, name="sim-callbacks").start()

    def post_now(self, callback: Callback, retries: int = 0, retry_delay: float = 0.2) -> int | None:
        """Post one callback now, retrying a failure; the last HTTP status, or None if unreachable."""
        status: int | None = None
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(retry_delay)
            status = self._post(callback, attempt)
            if status is not None and 200 <= status < 300:
                break
        return status

    def log(self) -> list[dict[str, object]]:
        """Every attempt so far: url, form, status_code (or error), attempt number, time."""
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def idle(self) -> bool:
        """True when no scheduled batch is still waiting or posting."""
        with self._lock:
            return self._pending == 0

    def _run(self, order: list[Callback], how: Schedule) -> None:
        try:
            time.sleep(how.delay)
            for callback in order:
                self.post_now(callback, how.retries, how.retry_delay)
        finally:
            with self._lock:
                self._pending -= 1

    def _post(self, callback: Callback, attempt: int) -> int | None:
        entry: dict[str, object] = {
            "url": callback.url,
            "form": dict(callback.form),
            "attempt": attempt,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        try:
            with httpx.Client(timeout=self._timeout) as client:
                response = client.post(callback.url, data=callback.form, headers=callback.headers)
            entry["status_code"] = response.status_code
        except httpx.HTTPError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._log.append(entry)
        status = entry.get("status_code")
        return status if isinstance(status, int) else None
