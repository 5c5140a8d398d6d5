"""A school's webhook endpoints: where Karo POSTs its events for the school's own system, with a signing
secret per endpoint that Karo makes and shows once.

Plain functions over a session, for the dashboard and the school API alike; the caller audits the change
(``endpoint_snapshot``) in the same transaction and seals the secret (``seal``: the bot's SecretBox).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.messaging.webhook_deliveries import cancel_pending
from ledger.messaging.webhook_tables import WebhookEndpoint

PAYMENT_RECEIVED = "payment.received"
PAYMENT_REVERSED = "payment.reversed"
BALANCE_CHANGED = "student.balance_changed"
EVENT_TYPES = (PAYMENT_RECEIVED, PAYMENT_REVERSED, BALANCE_CHANGED)
MAX_ENDPOINTS = 10  # per school
MAX_URL = 500
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # plain http allowed: tests and the demo
SECRET_PREFIX = "whsec_"


class InvalidWebhook(LedgerError):
    """An endpoint Karo will not deliver to (the message says why), or a change it cannot make."""


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint just made, with its secret in plain: shown to the school this once, never again."""

    endpoint: WebhookEndpoint
    secret: str


def check_url(url: str) -> str:
    """``url`` trimmed, if Karo may POST to it: https (http only to this machine), a host, no password,
    and no literal private or loopback address behind https (a name is not resolved here)."""
    url = url.strip()
    if not url:
        raise InvalidWebhook("give the endpoint's URL")
    if len(url) > MAX_URL:
        raise InvalidWebhook(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (a port that is no number raises here)
    except ValueError:
        raise InvalidWebhook(f"{url!r} is not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidWebhook("the URL must start with https:// and name a host")
    if parts.username or parts.password:
        raise InvalidWebhook("leave the user name and password out of the URL: deliveries are signed instead")
    if parts.fragment:
        raise InvalidWebhook("leave the #fragment out of the URL")
    local = host.lower() in LOCAL_HOSTS
    if parts.scheme == "http" and not local:
        raise InvalidWebhook("the URL must use https:// (plain http only to localhost or 127.0.0.1)")
    if parts.scheme == "https" and not local and _private_address(host):
        raise InvalidWebhook("the URL names a private network address: use the system's public address")
    return url


def _private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_events(events: Iterable[str]) -> list[str]:
    """The event types chosen, in Karo's order; an unknown one or none at all is refused."""
    chosen = {e.strip() for e in events if e.strip()}
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise InvalidWebhook(f"unknown event {unknown[0]!r}: choose from {', '.join(EVENT_TYPES)}")
    if not chosen:
        raise InvalidWebhook("choose at least one event to send")
    return [e for e in EVENT_TYPES if e in chosen]


def create_endpoint(
    session: Session,
    school_id: int,
    *,
    url: str,
    events: Iterable[str],
    seal: Callable[[str], str],
    actor: str,
    now: dt.datetime,
) -> NewEndpoint:
    """Register an endpoint for the school, active at once; its secret is returned in plain this once."""
    url, chosen = check_url(url), check_events(events)
    if len(list_endpoints(session, school_id)) >= MAX_ENDPOINTS:
        raise InvalidWebhook(f"a school has at most {MAX_ENDPOINTS} endpoints: delete one first")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        school_id=school_id,
        url=url,
        events=chosen,
        secret_sealed=seal(secret),
        secret_hint=secret[-4:],
        active=True,
        created_at=now,
        created_by=actor[:254],
    )
    session.add(endpoint)
    session.flush()
    return NewEndpoint(endpoint, secret)


def list_endpoints(session: Session, school_id: int) -> list[WebhookEndpoint]:
    """The school's endpoints (deleted ones left out), oldest first."""
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.school_id == school_id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    )
    return list(session.scalars(query))


def school_endpoint(session: Session, school_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    """The school's endpoint of this id; None for another school's, a deleted one or none."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.school_id != school_id or endpoint.deleted_at is not None:
        return None
    return endpoint


def set_endpoint_active(session: Session, endpoint: WebhookEndpoint, active: bool) -> None:
    """Enable or disable: a disabled endpoint gets no new events, and its retries wait until enabled."""
    endpoint.active = active
    session.flush()


def delete_endpoint(session: Session, endpoint: WebhookEndpoint, *, now: dt.datetime) -> None:
    """Delete: nothing more is sent to it, deliveries still waiting included; its log stays readable."""
    endpoint.active, endpoint.deleted_at = False, now
    cancel_pending(session, endpoint.id)
    session.flush()


def active_endpoints(session: Session, school_id: int) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.school_id == school_id,
        WebhookEndpoint.active.is_(True),
        WebhookEndpoint.deleted_at.is_(None),
    )
    return list(session.scalars(query))


def endpoint_snapshot(endpoint: WebhookEndpoint) -> dict[str, object]:
    """What the audit log keeps of an endpoint (never its secret)."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "secret_ends": endpoint.secret_hint,
        "deleted": endpoint.deleted_at is not None,
    }
