"""SMS and WhatsApp webhooks: incoming messages, delivery reports and status callbacks, opt-outs.

Africa's Talking's callbacks carry the deployment's token in their path; Twilio's are signed
(X-Twilio-Signature over KARO_PUBLIC_URL + path). A forged or malformed request changes nothing.
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
from ledger import parents
from ledger.outbox import MessageStatus, apply_delivery_update
from providers import africastalking, twilio
from providers.inbound import MalformedCallback
from providers.messaging import DeliveryUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


async def _twilio_form(request: Request, services: ServicesDep) -> dict[str, str]:
    """The form of a Twilio webhook whose signature checks out against our public URL; else 403."""
    settings = services.settings
    form = await _form(request)
    if not settings.twilio_auth_token or not settings.public_url:
        raise HTTPException(status_code=403, detail="Twilio webhooks are not configured")
    url = settings.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("X-Twilio-Signature")
    if not twilio.verify_signature(settings.twilio_auth_token, url, form, signature):
        log.warning("refused a Twilio webhook with a bad signature for %s", request.url.path)
        raise HTTPException(status_code=403, detail="bad signature")
    return form


def _parse(parse: Callable[[dict[str, str]], T], form: dict[str, str]) -> T:
    """The parsed callback; a malformed one is logged with its payload and refused with 400."""
    try:
        return parse(form)
    except MalformedCallback as error:
        log.warning("malformed callback (%s): %r", error, form)
        raise HTTPException(status_code=400, detail=f"malformed callback: {error}") from error


@router.post("/at/sms/{token}", response_class=PlainTextResponse)
async def at_incoming_sms(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await _form(request)
    message = _parse(africastalking.parse_incoming_sms, form)
    await run_in_threadpool(request.app.state.inbound.handle, message)
    return "OK"


@router.post("/twilio/whatsapp")
@router.post("/twilio/sms")
async def twilio_incoming(request: Request, services: ServicesDep) -> Response:
    form = await _twilio_form(request, services)
    message = _parse(twilio.parse_inbound, form)
    await run_in_threadpool(request.app.state.inbound.handle, message)
    return Response(EMPTY_TWIML, media_type="application/xml")  # the reply travels through the outbox


@router.post("/at/sms-status/{token}", response_class=PlainTextResponse)
async def at_delivery_report(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await _form(request)
    update = _parse(africastalking.parse_delivery_report, form)
    await run_in_threadpool(_apply, services, update)
    return "OK"


@router.post("/twilio/status")
async def twilio_status(request: Request, services: ServicesDep) -> Response:
    form = await _twilio_form(request, services)
    update = _parse(twilio.parse_status_callback, form)
    await run_in_threadpool(_apply, services, update)
    return Response(status_code=204)


@router.post("/at/opt-out/{token}", response_class=PlainTextResponse)
async def at_opt_out(token: str, request: Request, services: ServicesDep) -> str:
    check_webhook_token(services, token)
    form = await _form(request)
    phone = _parse(africastalking.parse_opt_out, form)
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
