"""Webhooks on the settings pages: the head or the bursar registers the school system's endpoints (the
signing secret shown once), enables, disables or deletes them, sends a test ping, and reads each one's
delivery log with every attempt. Each change is audited; another school's endpoint is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.dashboard.access import Staff
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.dashboard.settings_index import SettingsStaff
from bot.routes.deps import ServicesDep, SessionDep
from bot.webhooks_out.compose import webhook_sender
from bot.webhooks_out.sealing import NoSealingKey, webhook_box
from bot.webhooks_out.signing import DELIVERY, EVENT, SIGNATURE
from ledger.messaging.webhook_deliveries import Outcome, delivery_log, queue_ping
from ledger.messaging.webhook_tables import WebhookEndpoint
from ledger.messaging.webhooks import (
    EVENT_TYPES,
    InvalidWebhook,
    NewEndpoint,
    create_endpoint,
    delete_endpoint,
    endpoint_snapshot,
    list_endpoints,
    school_endpoint,
    set_endpoint_active,
)

router = APIRouter()

PAGE = "/dashboard/settings/webhooks"
HEADERS = {"signature": SIGNATURE, "event": EVENT, "delivery": DELIVERY}


def _endpoint(session: Session, staff: Staff, endpoint_id: int) -> WebhookEndpoint:
    endpoint = school_endpoint(session, staff.school_id, endpoint_id)
    if endpoint is None:
        raise HTTPException(404, "No such webhook endpoint.")
    return endpoint


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    created: NewEndpoint | None = None,
    error: str | None = None,
    done: str | None = None,
    typed: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "endpoints": list_endpoints(session, staff.school_id),
        "event_types": EVENT_TYPES,
        "created": created,
        "error": error,
        "done": done,
        "typed": typed or {"url": "", "events": list(EVENT_TYPES)},
        "headers": HEADERS,
    }
    return render(request, "settings_webhooks.html", context, status_code=status)


@router.get(PAGE)
def webhooks_page(request: Request, staff: SettingsStaff, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post(PAGE)
def add_endpoint(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    services: ServicesDep,
    url: Annotated[str, Form(max_length=600)] = "",
    events: Annotated[list[str] | None, Form()] = None,
) -> Response:
    now = config_of(request).clock()
    chosen = events or []
    try:
        box = webhook_box(services.settings)
        created = create_endpoint(
            session, staff.school_id, url=url, events=chosen, seal=box.seal, actor=staff.member.email, now=now
        )
    except (InvalidWebhook, NoSealingKey) as refused:
        session.rollback()
        typed: dict[str, object] = {"url": url, "events": chosen}
        return _page(request, staff, session, error=str(refused), typed=typed, status=422)
    endpoint = created.endpoint
    staff.audit(
        session,
        action="webhook.create",
        at=now,
        target=f"webhook:{endpoint.id}",
        after=endpoint_snapshot(endpoint),
    )
    session.commit()
    return _page(request, staff, session, created=created)


@router.post(PAGE + "/{endpoint_id}/active")
def change_active(
    request: Request,
    endpoint_id: int,
    staff: SettingsStaff,
    session: SessionDep,
    active: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    endpoint = _endpoint(session, staff, endpoint_id)
    before = endpoint_snapshot(endpoint)
    set_endpoint_active(session, endpoint, active == "on")
    after = endpoint_snapshot(endpoint)
    at = config_of(request).clock()
    target = f"webhook:{endpoint.id}"
    staff.audit_change(session, action="webhook.active", at=at, target=target, before=before, after=after)
    session.commit()
    done = f"{endpoint.url} " + (
        "is enabled." if endpoint.active else "is disabled: retries wait until it is enabled."
    )
    return _page(request, staff, session, done=done)


@router.post(PAGE + "/{endpoint_id}/delete")
def remove_endpoint(
    request: Request, endpoint_id: int, staff: SettingsStaff, session: SessionDep
) -> Response:
    endpoint = _endpoint(session, staff, endpoint_id)
    now = config_of(request).clock()
    before = endpoint_snapshot(endpoint)
    delete_endpoint(session, endpoint, now=now)
    staff.audit(
        session,
        action="webhook.delete",
        at=now,
        target=f"webhook:{endpoint.id}",
        before=before,
        after=endpoint_snapshot(endpoint),
    )
    session.commit()
    return _page(request, staff, session, done=f"{endpoint.url} is deleted: nothing more is sent to it.")


@router.post(PAGE + "/{endpoint_id}/ping")
def ping(
    request: Request, endpoint_id: int, staff: SettingsStaff, session: SessionDep, services: ServicesDep
) -> Response:
    """A test delivery, sent while the school waits (up to the POST's timeout) so the answer shows here."""
    endpoint = _endpoint(session, staff, endpoint_id)
    if not endpoint.active:
        return _page(request, staff, session, error="Enable the endpoint before pinging it.", status=422)
    now = config_of(request).clock()
    delivery = queue_ping(session, endpoint, now=now)
    staff.audit(session, action="webhook.ping", at=now, target=f"webhook:{endpoint.id}")
    session.commit()
    outcome = _send_now(services, delivery.id)
    if outcome is None:
        done = "The ping is queued: its answer shows in the delivery log shortly."
    elif outcome.delivered:
        done = f"Ping delivered: {endpoint.url} answered {outcome.status_code} in {outcome.duration_ms} ms."
    else:
        said = outcome.error or f"HTTP {outcome.status_code}"
        return _page(request, staff, session, error=f"The ping was not delivered: {said}.", status=200)
    return _page(request, staff, session, done=done)


def _send_now(services: Services, delivery_id: int) -> Outcome | None:
    sender = webhook_sender(services)
    try:
        return sender.deliver_now(delivery_id)
    finally:
        sender.client.close()


@router.get(PAGE + "/{endpoint_id}")
def endpoint_log(request: Request, endpoint_id: int, staff: SettingsStaff, session: SessionDep) -> Response:
    endpoint = _endpoint(session, staff, endpoint_id)
    context = {
        "staff": staff,
        "page": "settings",
        "endpoint": endpoint,
        "log": delivery_log(session, endpoint.id),
    }
    return render(request, "settings_webhook_log.html", context)
