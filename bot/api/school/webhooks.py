"""The school's webhook endpoints, registered by its own system as on the dashboard (the same ledger rules:
``ledger.messaging.webhooks``); the signing secret is in the answer to the POST, and never again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.api.school.auth import Caller, Reader, Writer
from bot.api.school.common import Id
from bot.bootstrap import Services
from bot.routes.deps import SessionDep
from bot.webhooks_out.sealing import NoSealingKey, webhook_box
from ledger.messaging.webhook_tables import WebhookEndpoint
from ledger.messaging.webhooks import (
    EVENT_TYPES,
    InvalidWebhook,
    create_endpoint,
    delete_endpoint,
    endpoint_snapshot,
    list_endpoints,
    school_endpoint,
    set_endpoint_active,
)
from ledger.staff.audit import Snapshot, audit

router = APIRouter(tags=["webhooks"], responses=PROBLEM_RESPONSES)


class EndpointIn(BaseModel):
    url: Annotated[str, Field(max_length=500, description="https (plain http only to localhost)")]
    events: Annotated[list[str], Field(max_length=len(EVENT_TYPES), description=", ".join(EVENT_TYPES))]


class EndpointChange(BaseModel):
    active: bool | None = Field(default=None, description="false stops deliveries, true resumes them")


class EndpointOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    secret_ends: str
    created_at: dt.datetime


class NewEndpointOut(EndpointOut):
    secret: str = Field(description="Verifies Karo-Signature; shown in this answer only.")


def endpoint_out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        active=endpoint.active,
        secret_ends=endpoint.secret_hint,
        created_at=endpoint.created_at,
    )


def _endpoint(session: Session, caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    endpoint = school_endpoint(session, caller.school_id, endpoint_id)
    if endpoint is None:
        raise Problem(404, "Not found", f"No webhook endpoint {endpoint_id} in this school.")
    return endpoint


def _audit(
    session: Session, caller: Caller, action: str, endpoint: WebhookEndpoint, before: Snapshot | None
) -> None:
    audit(
        session,
        school_id=caller.school_id,
        actor=caller.actor,
        action=action,
        at=dt.datetime.now(dt.UTC),
        target=f"webhook:{endpoint.id}",
        before=before,
        after=endpoint_snapshot(endpoint),
    )


@router.get("/webhooks", response_model=list[EndpointOut])
def list_webhooks(caller: Reader, session: SessionDep) -> list[EndpointOut]:
    return [endpoint_out(e) for e in list_endpoints(session, caller.school_id)]


@router.get("/webhooks/{endpoint_id}", response_model=EndpointOut)
def get_webhook(endpoint_id: Id, caller: Reader, session: SessionDep) -> EndpointOut:
    return endpoint_out(_endpoint(session, caller, endpoint_id))


@router.post("/webhooks", response_model=NewEndpointOut, status_code=201)
def add_webhook(body: EndpointIn, request: Request, caller: Writer, session: SessionDep) -> NewEndpointOut:
    services: Services = request.app.state.services
    try:
        box = webhook_box(services.settings)
        created = create_endpoint(
            session,
            caller.school_id,
            url=body.url,
            events=body.events,
            seal=box.seal,
            actor=caller.actor,
            now=dt.datetime.now(dt.UTC),
        )
    except InvalidWebhook as refused:
        session.rollback()
        raise Problem(422, "Invalid endpoint", str(refused)) from None
    except NoSealingKey as missing:
        session.rollback()
        raise Problem(409, "Cannot keep a secret", str(missing)) from None
    _audit(session, caller, "webhook.create", created.endpoint, None)
    session.commit()
    return NewEndpointOut(**endpoint_out(created.endpoint).model_dump(), secret=created.secret)


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointOut)
def change_webhook(endpoint_id: Id, body: EndpointChange, caller: Writer, session: SessionDep) -> EndpointOut:
    endpoint = _endpoint(session, caller, endpoint_id)
    before = endpoint_snapshot(endpoint)
    if body.active is not None and endpoint.active != body.active:
        set_endpoint_active(session, endpoint, body.active)
        _audit(session, caller, "webhook.active", endpoint, before)
        session.commit()
    return endpoint_out(endpoint)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
def remove_webhook(endpoint_id: Id, caller: Writer, session: SessionDep) -> Response:
    endpoint = _endpoint(session, caller, endpoint_id)
    before = endpoint_snapshot(endpoint)
    delete_endpoint(session, endpoint, now=dt.datetime.now(dt.UTC))
    _audit(session, caller, "webhook.delete", endpoint, before)
    session.commit()
    return Response(status_code=204)
