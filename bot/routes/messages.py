"""SMS and WhatsApp webhooks: thin endpoints that ask the channel's handler (``bot.channels.handlers``).

Each route (``bot.channels.handlers.registry.WEBHOOKS``) names its handler and its job (receive a message,
take a status); the handler says whether the webhook is its provider's (Twilio's signature; Africa's
Talking's token was checked by the router), reads the form and says what to answer. A forged request
changes nothing; a body Karo cannot use is kept for review and answered 400 (``bot.routes.edge``). An
incoming message is kept in the database before anything else (``bot.channels.chat``), so the provider
gets its 200 even while Redis is away.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from bot import metrics
from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import ChannelHandler
from bot.channels.handlers.registry import WEBHOOKS
from bot.routes.deps import ServicesDep, WebhookRouter
from bot.routes.edge import Rules, checked_form, refuse
from bot.routes.webhook_fields import PHONE, RECIPIENT
from ledger.messaging.outbox import MessageStatus, apply_delivery_update
from ledger.records import parents
from providers.inbound import IncomingMessage, MalformedCallback
from providers.messaging import DeliveryUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")
Handler = type[ChannelHandler]
Job = Callable[[Request, ServicesDep], Awaitable[Response]]

router = APIRouter()  # Twilio's, signed; Africa's Talking's join it from ``_at`` at the end
_at = WebhookRouter()  # the token in each path is checked here, for every route


def _route_name(path: str) -> str:
    """The name a kept body is filed under: ``/at/sms-status/{token}`` is ``at-sms-status``."""
    return path.removesuffix("/{token}").strip("/").replace("/", "-")


def receiving(handler: Handler, path: str) -> Job:
    route = _route_name(path)

    async def receive(request: Request, services: ServicesDep) -> Response:
        with metrics.hop(handler.channel) as outcome:
            form = await _verified_form(request, services, handler, route, handler.receive_rules)
            message = await _parsed(request, services, route, form, handler.receive)
            answered = await _keep(request, services, route, message)
            outcome.append("answered" if answered else "waiting")
        return handler.received()

    return receive


def taking_status(handler: Handler, path: str) -> Job:
    route = _route_name(path)

    async def status(request: Request, services: ServicesDep) -> Response:
        form = await _verified_form(request, services, handler, route, handler.status_rules)
        update = await _parsed(request, services, route, form, handler.status)
        await run_in_threadpool(_apply, services, update)
        metrics.CALLBACKS.labels(route, update.status).inc()
        return handler.status_taken()

    return status


JOBS = {"receive": receiving, "status": taking_status}
for _path, _handler, _job in WEBHOOKS:
    _router = _at if "{token}" in _path else router
    _router.add_api_route(_path, JOBS[_job](_handler, _path), methods=["POST"], name=_route_name(_path))


@_at.post("/at/opt-out/{token}", response_class=PlainTextResponse)
async def at_opt_out(request: Request, services: ServicesDep) -> str:
    """A parent who sent STOP to our Bulk SMS sender id: Africa's Talking's alone."""
    form = await checked_form(request, services, "at-opt-out", AfricasTalkingSmsHandler.opt_out_rules)
    phone = await _parsed(request, services, "at-opt-out", form, AfricasTalkingSmsHandler.opt_out)
    await run_in_threadpool(_opt_out, services, phone)
    return "OK"


async def _verified_form(
    request: Request, services: ServicesDep, handler: Handler, route: str, rules: Rules
) -> dict[str, str]:
    """The form of a webhook its handler verifies (else 403, nothing kept: a forged body is no one's),
    then checked at the edge (else kept, and 400)."""
    if not await handler.verify(request, services.settings):
        log.warning("refused an unverified %s webhook for %s", handler.provider, request.url.path)
        metrics.CALLBACKS.labels(route, "forbidden").inc()
        raise HTTPException(status_code=403, detail="bad signature")
    return await checked_form(request, services, route, rules)


async def _parsed(
    request: Request,
    services: ServicesDep,
    route: str,
    form: Mapping[str, str],
    parse: Callable[[Mapping[str, str]], T],
) -> T:
    """The provider's reading of the form; a malformed one is kept and refused with 400."""
    try:
        return parse(form)
    except MalformedCallback as error:
        raise await refuse(request, services, route, f"malformed: {error}") from error


async def _keep(request: Request, services: ServicesDep, route: str, message: IncomingMessage) -> bool:
    """Keep the message, then answer what can be answered (not while Redis is away: later, never lost);
    False if it waits."""
    if len(message.phone) > PHONE:
        raise await refuse(request, services, route, f"sender {message.phone[:40]!r} is no phone number")
    if len(message.to) > RECIPIENT:
        raise await refuse(request, services, route, f"recipient {message.to[:60]!r} is too long")
    answered: bool = await run_in_threadpool(request.app.state.inbound.receive, message)
    return answered


def _opt_out(services: ServicesDep, phone: str) -> None:
    with services.sessions.begin() as session:
        parents.opt_out_everywhere(session, phone, parents.SMS)


def _apply(services: ServicesDep, update: DeliveryUpdate) -> None:
    with services.sessions.begin() as session:
        apply_delivery_update(
            session,
            provider=update.provider,
            provider_id=update.provider_id,
            status=MessageStatus(update.status),
            reason=update.reason,
            now=dt.datetime.now(dt.UTC),
        )


router.include_router(_at)
