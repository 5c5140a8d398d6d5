"""The Daraja simulator's routes: the Daraja API itself (same paths as Safaricom's, so only the base URL
changes) and the ``/_sim/stk``, ``/_sim/oauth`` and ``/_sim/c2b`` controls that tests and the sandbox use.
Each endpoint finds its ``DarajaSimulator`` on ``request.app.state.sim``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.simulators.common import ControlError, json_body, simulator
from providers.simulators.daraja_rules import (
    BAD,
    TRANSACTION_TYPES,
    Merchant,
    check_credentials,
    check_push,
    check_registration,
    merchant,
    phone,
    whole_amount,
)
from providers.simulators.daraja_state import DarajaSimulator
from providers.simulators.daraja_stk import query_answer
from providers.simulators.daraja_wire import Refusal, conversation_id

Handler = Callable[[DarajaSimulator, str, dict[str, Any]], dict[str, Any]]
ACCEPTED = "Success. Request accepted for processing"


async def oauth(request: Request) -> Response:
    """``GET /oauth/v1/generate``: a new token for the app whose key and secret are the Basic credentials."""
    sim: DarajaSimulator = simulator(request)
    try:
        faulted = await sim.faulted("oauth")
        if faulted:
            return faulted
        answer = sim.issue_token(request.headers.get("Authorization"), request.query_params.get("grant_type"))
    except Refusal as refusal:
        return refusal.response()
    return JSONResponse(answer)


async def _call(request: Request, name: str, handler: Handler) -> Response:
    """A Daraja API call: fault, Bearer token, JSON body, then ``handler``; every call recorded."""
    sim: DarajaSimulator = simulator(request)
    body: Any = None
    try:
        faulted = await sim.faulted(name)
        if faulted:
            return faulted
        owner = sim.token_owner(request.headers.get("Authorization"))
        body = await _daraja_json(request)
        answer, status = await run_in_threadpool(handler, sim, owner, body), 200
    except Refusal as refusal:
        answer, status = refusal.document(), refusal.status
    at = dt.datetime.now(dt.UTC).isoformat()
    sim.record({"api": name, "request": body, "status": status, "answer": answer, "at": at})
    return JSONResponse(answer, status_code=status)


async def _daraja_json(request: Request) -> dict[str, Any]:
    if "application/json" not in request.headers.get("Content-Type", ""):
        raise Refusal(BAD, "Bad Request - Invalid BusinessShortCode")  # sic: Daraja's misleading answer
    try:
        body = await request.json()
    except ValueError as exc:
        raise Refusal(BAD, "Bad Request - Invalid JSON") from exc
    if not isinstance(body, dict):
        raise Refusal(BAD, "Bad Request - Invalid JSON")
    return body


def _owned(sim: DarajaSimulator, owner: str, value: Any, field: str = "BusinessShortCode") -> Merchant:
    found = merchant(sim.merchants(), value, field)
    if found.shortcode != owner:  # a token of another app
        raise Refusal(BAD, f"Bad Request - Invalid {field}")
    return found


def push(sim: DarajaSimulator, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    """STK push: a prompt opens on the phone."""
    found = _owned(sim, owner, body.get("BusinessShortCode"))
    prompt = sim.stk.open(found.shortcode, check_push(body, found))
    return {
        "MerchantRequestID": prompt.merchant_request_id,
        "CheckoutRequestID": prompt.checkout_request_id,
        "ResponseCode": "0",
        "ResponseDescription": ACCEPTED,
        "CustomerMessage": ACCEPTED,
    }


def query(sim: DarajaSimulator, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    """STK query: how a prompt ended, or "being processed" while it is open."""
    found = _owned(sim, owner, body.get("BusinessShortCode"))
    check_credentials(body, found)
    prompt = sim.stk.find(str(body.get("CheckoutRequestID") or ""))
    if prompt is None or prompt.shortcode != found.shortcode:
        raise Refusal(BAD, "Bad Request - Invalid CheckoutRequestID")
    return query_answer(prompt)


def register(sim: DarajaSimulator, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    """C2B register URL: where a shortcode's validations and confirmations go."""
    found = _owned(sim, owner, body.get("ShortCode"), "ShortCode")
    checked = check_registration(body, sim.config.production, sim.c2b.registered(found.shortcode))
    sim.c2b.register(found.shortcode, checked)
    return {
        "OriginatorCoversationID": conversation_id(),
        "ResponseCode": "0",
        "ResponseDescription": "Success",
    }


def simulate(sim: DarajaSimulator, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's C2B simulate: a customer pays the shortcode, from a thread."""
    found = _owned(sim, owner, body.get("ShortCode"), "ShortCode")
    if body.get("CommandID") not in TRANSACTION_TYPES:
        raise Refusal(BAD, "Bad Request - Invalid CommandID")
    payment = {
        "shortcode": found.shortcode,
        "amount": whole_amount(body.get("Amount")),
        "phone": phone(body.get("Msisdn"), "Msisdn"),
        "bill_ref": str(body.get("BillRefNumber") or ""),
    }
    if not sim.c2b.registered(found.shortcode):
        raise Refusal(BAD, "Bad Request - No URLs registered for this ShortCode")
    sim.c2b.pay_in_background(payment)
    return {
        "OriginatorCoversationID": conversation_id(),
        "ResponseCode": "0",
        "ResponseDescription": "Accept the service request successfully.",
    }


async def stk_push(request: Request) -> Response:
    return await _call(request, "stkpush", push)


async def stk_query(request: Request) -> Response:
    return await _call(request, "query", query)


async def register_urls(request: Request) -> Response:
    return await _call(request, "registerurl", register)


async def c2b_simulate(request: Request) -> Response:
    return await _call(request, "simulate", simulate)


async def prompts(request: Request) -> Response:
    """``GET /_sim/stk?phone=&status=``: the prompts."""
    sim: DarajaSimulator = simulator(request)
    params = request.query_params
    return JSONResponse(sim.stk.listing(params.get("phone"), params.get("status")))


async def prompt(request: Request) -> Response:
    """``GET /_sim/stk/{checkout_id}``: one prompt."""
    sim: DarajaSimulator = simulator(request)
    return JSONResponse(dataclasses.asdict(sim.stk.get(request.path_params["checkout_id"])))


async def resolve(request: Request) -> Response:
    """``POST /_sim/stk/{checkout_id}/resolve``: the phone answers the prompt, now or after ``delay``."""
    sim: DarajaSimulator = simulator(request)
    body = await json_body(request)
    checkout_id = request.path_params["checkout_id"]
    answer = sim.stk.answer_from(body)
    delay = body.get("delay")
    if delay is None:
        return JSONResponse(dataclasses.asdict(sim.stk.resolve(checkout_id, answer)))
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ControlError("delay is a number of seconds >= 0")
    sim.stk.resolve_later(sim.stk.get(checkout_id), answer, float(delay))
    return JSONResponse({**dataclasses.asdict(sim.stk.get(checkout_id)), "resolves_in": delay})


async def tokens(request: Request) -> Response:
    """``GET /_sim/oauth``: tokens issued per shortcode, and the current ones."""
    sim: DarajaSimulator = simulator(request)
    return JSONResponse(sim.oauth_state())


async def revoke(request: Request) -> Response:
    """``POST /_sim/oauth/revoke`` ``{"shortcode"}``: that shortcode's token stops working."""
    sim: DarajaSimulator = simulator(request)
    sim.revoke(str((await json_body(request)).get("shortcode") or ""))
    return Response(status_code=204)


async def c2b(request: Request) -> Response:
    """``GET /_sim/c2b``: registrations, payments and balances."""
    sim: DarajaSimulator = simulator(request)
    return JSONResponse(sim.c2b.listing())


async def pay(request: Request) -> Response:
    """``POST /_sim/c2b/pay``: a parent pays the Paybill; waits for our server unless ``"wait": false``."""
    sim: DarajaSimulator = simulator(request)
    body = await json_body(request)
    if body.get("wait", True) is False:
        return JSONResponse(sim.c2b.pay_in_background(body))
    return JSONResponse(await run_in_threadpool(sim.c2b.pay, body))


ROUTES = [
    Route("/oauth/v1/generate", oauth, methods=["GET"]),
    Route("/mpesa/stkpush/v1/processrequest", stk_push, methods=["POST"]),
    Route("/mpesa/stkpushquery/v1/query", stk_query, methods=["POST"]),
    *[Route(f"/mpesa/c2b/{v}/registerurl", register_urls, methods=["POST"]) for v in ("v1", "v2")],
    *[Route(f"/mpesa/c2b/{v}/simulate", c2b_simulate, methods=["POST"]) for v in ("v1", "v2")],
    Route("/_sim/stk", prompts, methods=["GET"]),
    Route("/_sim/stk/{checkout_id}", prompt, methods=["GET"]),
    Route("/_sim/stk/{checkout_id}/resolve", resolve, methods=["POST"]),
    Route("/_sim/oauth", tokens, methods=["GET"]),
    Route("/_sim/oauth/revoke", revoke, methods=["POST"]),
    Route("/_sim/c2b", c2b, methods=["GET"]),
    Route("/_sim/c2b/pay", pay, methods=["POST"]),
]
