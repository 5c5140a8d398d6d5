"""Delivering what is due: claim a batch, POST each delivery (a few at once, so one slow endpoint does not
hold up the rest), record each attempt in its own transaction; 2xx is delivered, anything else is retried
on the ledger's backoff until it is given up."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.crypto import CannotOpen, SecretBox
from bot.webhooks_out.signing import DELIVERY, EVENT, SIGNATURE, signature_header
from ledger.clock import utc_now
from ledger.messaging.webhook_deliveries import Outcome, claim_due, record_attempt, requeue_stale
from ledger.messaging.webhook_tables import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
BATCH = 50
PARALLEL = 8  # POSTs in flight at once
EXCERPT = 300  # bytes of the endpoint's answer kept in the log
USER_AGENT = "Karo-Webhooks/1"


def webhook_client() -> httpx.Client:
    """No redirects followed (a 3xx is a failed attempt: the school fixes its URL), ~10 s per POST."""
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, headers={"User-Agent": USER_AGENT})


@dataclass
class Counts:
    delivered: int = 0
    failed: int = 0  # attempts that failed (retried later, or given up)
    requeued: int = 0  # claims a dead worker left, put back


@dataclass
class WebhookSender:
    sessions: sessionmaker[Session]
    box: SecretBox | None  # None: no key to open secrets with, so every attempt fails and says why
    client: httpx.Client = field(default_factory=webhook_client)
    clock: Callable[[], dt.datetime] = utc_now

    def run(self, batch: int = BATCH) -> Counts:
        """Deliver everything due now, batch after batch; returns what happened."""
        counts = Counts()
        with self.sessions.begin() as session:
            counts.requeued = requeue_stale(session, now=self.clock())
        while True:
            with self.sessions.begin() as session:
                claimed = claim_due(session, now=self.clock(), limit=batch)
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                outcomes = list(pool.map(lambda pair: self._post(*pair), claimed))
            for (delivery, _), outcome in zip(claimed, outcomes, strict=True):
                self._record(delivery, outcome)
                if outcome.delivered:
                    counts.delivered += 1
                else:
                    counts.failed += 1
            if len(claimed) < batch:
                return counts

    def deliver_now(self, delivery_id: int) -> Outcome | None:
        """Send this one delivery at once if it is due (a test ping the school waits for); None if it is not
        (another worker has it, or its endpoint is disabled)."""
        with self.sessions.begin() as session:
            claimed = claim_due(session, now=self.clock(), limit=1, only=delivery_id)
        if not claimed:
            return None
        delivery, endpoint = claimed[0]
        outcome = self._post(delivery, endpoint)
        self._record(delivery, outcome)
        return outcome

    def _record(self, delivery: WebhookDelivery, outcome: Outcome) -> None:
        with self.sessions.begin() as session:
            record_attempt(session, delivery, outcome, now=self.clock())

    def _post(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> Outcome:
        try:
            if self.box is None:
                raise CannotOpen("no KARO_SECRET_KEY to open the endpoint's secret with")
            secret = self.box.open(endpoint.secret_sealed)
        except CannotOpen as error:
            return Outcome(None, str(error), 0)
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: signature_header(secret, int(time.time()), body),  # wall time: receivers check it
            EVENT: delivery.event_type,
            DELIVERY: str(delivery.id),
        }
        started = time.perf_counter()
        try:
            with self.client.stream("POST", endpoint.url, content=body, headers=headers) as response:
                excerpt = _first_bytes(response)
                code = response.status_code
        except httpx.HTTPError as error:
            said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return Outcome(None, said, _ms(started))
        return Outcome(code, None, _ms(started), excerpt)


def _first_bytes(response: httpx.Response) -> str:
    kept = b""
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) >= EXCERPT:
            break
    return kept[:EXCERPT].decode("utf-8", errors="replace")


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


@dataclass
class InProcessWebhooks:
    """Delivers in a thread of this process: the embedded default, without Redis or workers."""

    sender: WebhookSender
    every_seconds: float = 5.0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhooks-out", daemon=True)

    def start(self) -> InProcessWebhooks:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=TIMEOUT_SECONDS + 5)
        self.sender.client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sender.run()
            except Exception:  # deliver later; the failure is in the log, the rows say where it stopped
                log.exception("delivering webhooks failed")
            self._stop.wait(self.every_seconds)
