"""The webhook delivery queue: deliveries written with their cause, claimed by a worker, and each attempt
logged with what the endpoint answered; failures retried with backoff until they are given up.

The POST itself is the bot's (``bot.webhooks_out``): the ledger holds the rows and the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.bulk import insert_or_fetch
from ledger.db import is_postgres
from ledger.messaging.webhook_tables import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ledger.records.tables import School

PING = "ping"  # a test the school asks for from the dashboard: sent to one endpoint, tried once
# After the n-th failed attempt the next waits BACKOFF[n-1]; after the last, the delivery is given up.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claim older than this belongs to a worker that died mid-POST (a POST times out after ~10 s).
LEASE = dt.timedelta(minutes=2)


def event_id(school_id: int, event_key: str) -> str:
    """The payload's ``id``: one per event (the same at each endpoint), opaque, stable across retries."""
    return "evt_" + hashlib.sha256(f"{school_id}/{event_key}".encode()).hexdigest()[:24]


def iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def payload(school: School, event_type: str, key: str, at: dt.datetime, data: Mapping[str, Any]) -> str:
    """The body as sent: compact JSON, its field order fixed."""
    envelope = {
        "id": event_id(school.id, key),
        "type": event_type,
        "created_at": iso_utc(at),
        "school": school.slug,
        "data": dict(data),
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def enqueue(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    event_type: str,
    key: str,
    data: Mapping[str, Any],
    at: dt.datetime,
) -> tuple[WebhookDelivery, bool]:
    """The endpoint's delivery of this event, written once whatever retries of the cause come; returns
    (delivery, created)."""
    school = session.get_one(School, endpoint.school_id)
    values = {
        "school_id": endpoint.school_id,
        "endpoint_id": endpoint.id,
        "event_type": event_type,
        "event_key": key,
        "event_id": event_id(school.id, key),
        "body": payload(school, event_type, key, at, data),
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }
    query = select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_key == key
    )
    return insert_or_fetch(session, WebhookDelivery, values, lambda: session.scalars(query).one_or_none())


def queue_ping(session: Session, endpoint: WebhookEndpoint, *, now: dt.datetime) -> WebhookDelivery:
    """A test delivery to this endpoint alone (whatever it subscribed to), for the caller to send at once
    (``claim_due(only=...)``); due for the workers only after a lease, should the caller die first."""
    data = {"endpoint_id": endpoint.id, "message": "A test ping from Karo: your endpoint is reachable."}
    key = f"ping:{uuid.uuid4().hex}"
    delivery, _ = enqueue(session, endpoint, event_type=PING, key=key, data=data, at=now)
    delivery.next_attempt_at = now + LEASE
    session.flush()
    return delivery


def claim_due(
    session: Session, *, now: dt.datetime, limit: int, only: int | None = None
) -> list[tuple[WebhookDelivery, WebhookEndpoint]]:
    """Mark up to ``limit`` due deliveries SENDING for this worker (others skip the rows it holds), oldest
    first, with their endpoints; a disabled endpoint's wait until it is enabled again. ``only``: that
    delivery alone, due or not (a test ping sent while the school waits)."""
    query = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookEndpoint.active.is_(True),
            WebhookEndpoint.deleted_at.is_(None),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    due = WebhookDelivery.next_attempt_at <= now
    query = query.where(due if only is None else WebhookDelivery.id == only)
    if is_postgres(session):
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    claimed = [(row[0], row[1]) for row in session.execute(query)]
    for delivery, _ in claimed:
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_at = now
    session.flush()
    return claimed


@dataclass(frozen=True)
class Outcome:
    """What one POST came to: the endpoint's status code, or why there was none."""

    status_code: int | None
    error: str | None
    duration_ms: int
    excerpt: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def record_attempt(
    session: Session, delivery: WebhookDelivery, outcome: Outcome, *, now: dt.datetime
) -> WebhookAttempt:
    """Log the attempt; the delivery is delivered, due again after its backoff, or given up."""
    delivery = session.get_one(WebhookDelivery, delivery.id)
    delivery.attempts += 1
    error = outcome.error or (None if outcome.delivered else f"HTTP {outcome.status_code}")
    attempt = WebhookAttempt(
        delivery_id=delivery.id,
        number=delivery.attempts,
        at=now,
        status_code=outcome.status_code,
        error=error[:300] if error else None,
        duration_ms=outcome.duration_ms,
        response_excerpt=outcome.excerpt[:300] if outcome.excerpt else None,
    )
    session.add(attempt)
    delivery.claimed_at = None
    delivery.last_status_code, delivery.last_error = outcome.status_code, attempt.error
    if outcome.delivered:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
    elif delivery.event_type == PING or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    session.flush()
    return attempt


def requeue_stale(session: Session, *, now: dt.datetime, lease: dt.timedelta = LEASE) -> int:
    """Put back deliveries a dead worker claimed and never finished; returns how many. The endpoint may
    have had the POST already: receivers tell a repeat by its ``Karo-Delivery`` (or the event's id)."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.SENDING, WebhookDelivery.claimed_at < now - lease)
        .values(status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def delivery_log(session: Session, endpoint_id: int, *, limit: int = 50) -> list[LoggedDelivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts in order."""
    deliveries = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        query = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(attempts))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
        )
        for attempt in session.scalars(query):
            attempts[attempt.delivery_id].append(attempt)
    return [LoggedDelivery(d, attempts[d.id]) for d in deliveries]


def cancel_pending(session: Session, endpoint_id: int) -> None:
    """A deleted endpoint's deliveries still waiting will never be sent."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED)
    )
