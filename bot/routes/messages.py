"""SMS and WhatsApp webhooks: incoming messages, delivery reports and status callbacks, opt-outs.

Africa's Talking's callbacks carry the deployment's token in their path; Twilio's are signed
(X-Twilio-Signature over KARO_PUBLIC_URL + path). A forged request changes nothing; a body Karo cannot use
is kept for review and answered 400 (``bot.routes.edge``). An incoming message is kept in the database
before anything else (``bot.channels.chat``), so Africa's Talking gets its 200 even while Redis is away.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.routes.deps import ServicesDep, check_webhook_token
from bot.routes.edge import Rules, Unusable, checked_form, parse_form, read_body, refuse
from bot.routes.webhook_fields import (
    AT_DELIVERY,
    AT_OPT_OUT,
    AT_SMS,
    PHONE,
    RECIPIENT,
    TWILIO_MESSAGE,
    TWILIO_STATUS,
)
from ledger.messaging.outbox import MessageStatus, apply_delivery_update
from ledger.records import parents
from providers import africastalking, twilio
from providers.inbound import IncomingMessage, MalformedCallback
from providers.messaging import DeliveryUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _twilio_form(request: Request, services: ServicesDep, route: str, rules: Rules) -> dict[str, str]:
    """The form of a Twilio webhook whose signature checks out against our public URL (else 403, nothing
    kept: an unsigned body is no one's), then checked at the edge (else kept, and 400)."""
    settings = services.settings
    if not settings.twilio_auth_token or not settings.public_url:
        raise HTTPException(status_code=403, detail="Twilio webhooks are not configured")
    body = await read_body(request)
    try:
        form = await parse_form(request, body)
    except Unusable:
        form = None
    url = settings.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("X-Twilio-Signature")
    token = settings.twilio_auth_token.get_secret_value()
    if form is None or not twilio.verify_signature(token, url, form, signature):
        log.warning("refused a Twilio webhook with a bad signature for %s", request.url.path)
        raise HTTPException(status_code=403, detail="bad signature")
    return await checked_form(request, services, route, rules)


async def _parsed(
    request: Request,
    services: ServicesDep,
    route: str,
    form: dict[str, str],
    parse: Callable[[dict[str, str]], T],
) -> T:
    """The provider's reading of the form; a malformed one is kept and refused with 400."""
    try:
        return parse(form)
    except MalformedCallback as error:
        raise await refuse(request, services, route, f"malformed: {error}") from error


async def _receive(request: Request, services: ServicesDep, route: str, message: IncomingMessage) -> None:
    """Keep the message, then answer what can be answered (not while Redis is away: later, never lost)."""
    if len(message.phone) > PHONE:
        raise await refuse(request, services, route, f"sender {message.phone[:40]!r} is no phone number")
    if len(message.to) > RECIPIENT:
        raise await refuse(request, services, route, f"recipient {message.to[:60]!r} is too long")
    await run_in_threadpool(request.app.state.inbound.receive, message)


@router.post("/at/sms/{token}", response_class=PlainTextResponse)
async def at_incoming_sms(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await checked_form(request, services, "at-sms", AT_SMS)
    message = await _parsed(request, services, "at-sms", form, africastalking.parse_incoming_sms)
    await _receive(request, services, "at-sms", message)
    return "OK"


@router.post("/twilio/whatsapp")
@router.post("/twilio/sms")
async def twilio_incoming(request: Request, services: ServicesDep) -> Response:
    route = request.url.path.strip("/").replace("/", "-")
    form = await _twilio_form(request, services, route, TWILIO_MESSAGE)
    message = await _parsed(request, services, route, form, twilio.parse_inbound)
    await _receive(request, services, route, message)
    return Response(EMPTY_TWIML, media_type="application/xml")  # the reply travels through the outbox


@router.post("/at/sms-status/{token}", response_class=PlainTextResponse)
async def at_delivery_report(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await checked_form(request, services, "at-sms-status", AT_DELIVERY)
    update = await _parsed(request, services, "at-sms-status", form, africastalking.parse_delivery_report)
    await run_in_threadpool(_apply, services, update)
    return "OK"


@router.post("/twilio/status")
async def twilio_status(request: Request, services: ServicesDep) -> Response:
    form = await _twilio_form(request, services, "twilio-status", TWILIO_STATUS)
    update = await _parsed(request, services, "twilio-status", form, twilio.parse_status_callback)
    await run_in_threadpool(_apply, services, update)
    return Response(status_code=204)


@router.post("/at/opt-out/{token}", response_class=PlainTextResponse)
async def at_opt_out(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await checked_form(request, services, "at-opt-out", AT_OPT_OUT)
    phone = await _parsed(request, services, "at-opt-out", form, africastalking.parse_opt_out)
    await run_in_threadpool(_opt_out, services, phone)
    return "OK"


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
