"""Daraja's callbacks: ``/daraja/stk/{token}`` and ``/daraja/c2b/validate|confirm/{token}``.

Daraja signs nothing, so the deployment's secret token in the path is the check (wrong token: 403, nothing
changes). Each body is settled in one short transaction before the answer, since Safaricom does not retry;
a body we cannot read gets 400 and is kept word for word for the bursar (``callback_failures``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Services
from bot.mpesa.desk import MpesaDesk
from bot.routes.deps import ServicesDep, check_webhook_token
from ledger.mpesa_callbacks import keep_failure
from ledger.mpesa_paybill import Verdict
from providers.daraja import parse_c2b, parse_stk_callback
from providers.inbound import MalformedCallback

log = logging.getLogger(__name__)
router = APIRouter()
T = TypeVar("T")

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
VALIDATION = {
    Verdict.ACCEPT: ("0", "Accepted"),
    Verdict.SUSPENSE: ("0", "Accepted"),
    Verdict.UNKNOWN_ACCOUNT: ("C2B00012", "Rejected"),
    Verdict.BAD_AMOUNT: ("C2B00013", "Rejected"),
    Verdict.UNKNOWN_SHORTCODE: ("C2B00015", "Rejected"),
}


@router.post("/daraja/stk/{token}")
async def stk_callback(token: str, request: Request, services: ServicesDep) -> JSONResponse:
    check_webhook_token(services, token)
    payload = await _text(request)
    callback = await _parse(services, "stk", payload, parse_stk_callback)
    if callback.result_code.strip() == "0" and (callback.receipt is None or callback.amount is None):
        await _refuse(services, "stk", payload, "a success without a receipt number or amount")
    outcome = await _settle(
        services, "stk", payload, lambda: _desk(request).on_stk_callback(callback, payload)
    )
    log.info("STK callback %s: %s", callback.checkout_request_id, outcome)
    return JSONResponse(ACCEPTED)


@router.post("/daraja/c2b/validate/{token}")
async def c2b_validate(token: str, request: Request, services: ServicesDep) -> JSONResponse:
    check_webhook_token(services, token)
    payload = await _text(request)
    payment = await _parse(services, "c2b-validate", payload, parse_c2b)
    verdict = await _settle(
        services, "c2b-validate", payload, lambda: _desk(request).on_c2b_validation(payment)
    )
    code, desc = VALIDATION[verdict]
    return JSONResponse({"ResultCode": code, "ResultDesc": desc})


@router.post("/daraja/c2b/confirm/{token}")
async def c2b_confirm(token: str, request: Request, services: ServicesDep) -> JSONResponse:
    check_webhook_token(services, token)
    payload = await _text(request)
    payment = await _parse(services, "c2b-confirm", payload, parse_c2b)
    settled = await _settle(
        services, "c2b-confirm", payload, lambda: _desk(request).on_c2b_confirmation(payment, payload)
    )
    log.info("Paybill %s: %s", payment.trans_id, settled.outcome if settled else "no school for shortcode")
    return JSONResponse({"ResultCode": 0, "ResultDesc": "Success"})


def _desk(request: Request) -> MpesaDesk:
    desk: MpesaDesk = request.app.state.mpesa
    return desk


async def _text(request: Request) -> str:
    return (await request.body()).decode("utf-8", errors="replace")


async def _parse(services: Services, route: str, payload: str, parse: Callable[[Any], T]) -> T:
    """The provider's reading of the body; a body it cannot read is kept and answered with 400."""
    try:
        body = json.loads(payload)
        if not isinstance(body, dict):
            raise MalformedCallback("the body is not a JSON object")
        return parse(body)
    except (ValueError, MalformedCallback) as error:  # json's JSONDecodeError is a ValueError
        await _refuse(services, route, payload, f"malformed: {error}")
        raise AssertionError("unreachable") from error


async def _refuse(services: Services, route: str, payload: str, reason: str) -> None:
    await run_in_threadpool(_keep, services, route, payload, reason)
    raise HTTPException(status_code=400, detail=reason)


async def _settle(services: Services, route: str, payload: str, work: Callable[[], T]) -> T:
    """Run the ledger work; should it fail, keep the body (Safaricom will not send it again) and say 500."""
    try:
        return await run_in_threadpool(work)
    except Exception as error:
        log.exception("Daraja %s callback failed; keeping its body", route)
        await run_in_threadpool(
            _keep, services, route, payload, f"not settled: {type(error).__name__}: {error}"
        )
        raise HTTPException(status_code=500, detail="not settled; kept for review") from error


def _keep(services: Services, route: str, payload: str, reason: str) -> None:
    try:
        with services.sessions.begin() as session:
            keep_failure(session, route=route, payload=payload, reason=reason, now=dt.datetime.now(dt.UTC))
    except Exception:  # the database is down too: the log is the last place the body can go
        log.exception("could not keep a Daraja %s body (%s): %s", route, reason, payload)
