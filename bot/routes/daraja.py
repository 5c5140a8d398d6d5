"""Daraja's callbacks: ``/daraja/stk/{token}`` and ``/daraja/c2b/validate|confirm/{token}``.

Daraja signs nothing, so the deployment's secret token in the path is the check (wrong token: 403, nothing
changes). Each body is settled in one short transaction before the answer, since Safaricom does not retry;
a body we cannot use (``bot.routes.edge``) or read gets 400 and is kept word for word for the bursar
(``callback_failures``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from bot import metrics
from bot.bootstrap import Services
from bot.mpesa.desk import MpesaDesk
from bot.mpesa.inbound import on_c2b_confirmation, on_c2b_validation, on_stk_callback
from bot.routes.deps import ServicesDep, WebhookRouter
from bot.routes.edge import checked_json, keep, refuse
from bot.routes.webhook_fields import DARAJA
from ledger.payments.paybill import Verdict
from ledger.payments.stk import StkResult
from providers.daraja import parse_c2b, parse_stk_callback
from providers.inbound import MalformedCallback

log = logging.getLogger(__name__)
router = WebhookRouter()  # the token in each path is checked here, for every route
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
async def stk_callback(request: Request, services: ServicesDep) -> JSONResponse:
    body, payload = await checked_json(request, services, "stk", DARAJA)
    callback = await _parse(request, services, "stk", body, parse_stk_callback)
    if callback.result_code.strip() == "0" and (callback.receipt is None or callback.amount is None):
        raise await refuse(request, services, "stk", "a success without a receipt number or amount")
    outcome = await _settle(
        services, "stk", payload, lambda: on_stk_callback(_desk(request), callback, payload)
    )
    log.info("STK callback %s: %s", callback.checkout_request_id, outcome)
    metrics.CALLBACKS.labels("stk", outcome.replace(" ", "_")).inc()
    if outcome == StkResult.POSTED:
        metrics.PAYMENTS.labels("mpesa_stk").inc()
    return JSONResponse(ACCEPTED)


@router.post("/daraja/c2b/validate/{token}")
async def c2b_validate(request: Request, services: ServicesDep) -> JSONResponse:
    body, payload = await checked_json(request, services, "c2b-validate", DARAJA)
    payment = await _parse(request, services, "c2b-validate", body, parse_c2b)
    verdict = await _settle(
        services, "c2b-validate", payload, lambda: on_c2b_validation(_desk(request), payment)
    )
    code, desc = VALIDATION[verdict]
    metrics.CALLBACKS.labels("c2b-validate", verdict.value).inc()
    return JSONResponse({"ResultCode": code, "ResultDesc": desc})


@router.post("/daraja/c2b/confirm/{token}")
async def c2b_confirm(request: Request, services: ServicesDep) -> JSONResponse:
    body, payload = await checked_json(request, services, "c2b-confirm", DARAJA)
    payment = await _parse(request, services, "c2b-confirm", body, parse_c2b)
    settled = await _settle(
        services, "c2b-confirm", payload, lambda: on_c2b_confirmation(_desk(request), payment, payload)
    )
    outcome = getattr(settled, "outcome", None) or "kept for review"
    log.info("Paybill %s: %s", payment.trans_id, outcome)
    metrics.CALLBACKS.labels("c2b-confirm", outcome.replace(" ", "_")).inc()
    if outcome == StkResult.POSTED:
        metrics.PAYMENTS.labels("mpesa_paybill").inc()
    return JSONResponse({"ResultCode": 0, "ResultDesc": "Success"})


def _desk(request: Request) -> MpesaDesk:
    desk: MpesaDesk = request.app.state.mpesa
    return desk


async def _parse(
    request: Request, services: Services, route: str, body: dict[str, Any], parse: Callable[[Any], T]
) -> T:
    """The provider's reading of the body; a body it cannot read is kept and answered with 400."""
    try:
        return parse(body)
    except MalformedCallback as error:
        raise await refuse(request, services, route, f"malformed: {error}") from error


async def _settle(services: Services, route: str, payload: str, work: Callable[[], T]) -> T:
    """Run the ledger work; should it fail, keep the body (Safaricom will not send it again) and say 500.

    Work that lost a race on a unique key (the same M-Pesa receipt posted at that moment by the other
    road, STK or Paybill) is run once more in a new transaction: postings are idempotent, so the second
    run finds what the winner wrote.
    """
    try:
        return await _with_one_retry(route, work)
    except Exception as error:
        log.exception("Daraja %s callback failed; keeping its body", route)
        metrics.CALLBACKS.labels(route, "error").inc()
        await run_in_threadpool(
            keep, services, route, payload, f"not settled: {type(error).__name__}: {error}"
        )
        raise HTTPException(status_code=500, detail="not settled; kept for review") from error


async def _with_one_retry(route: str, work: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(work)
    except IntegrityError:
        log.warning("Daraja %s callback lost a race to a concurrent posting; settling it again", route)
        return await run_in_threadpool(work)
