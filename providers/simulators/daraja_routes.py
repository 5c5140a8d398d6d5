"""The Daraja simulator's routes: the Daraja API itself (same paths as Safaricom's, so only the base URL
changes) and the ``/_sim/stk``, ``/_sim/oauth`` and ``/_sim/c2b`` controls that tests and the sandbox use."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.simulators.common import ControlError, json_body
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
from providers.simulators.daraja_stk import query_answer
from providers.simulators.daraja_wire import Refusal, conversation_id

if TYPE_CHECKING:
    from providers.simulators.daraja import DarajaSimulator

Handler = Callable[[str, dict[str, Any]], dict[str, Any]]
ACCEPTED = "Success. Request accepted for processing"


def api_routes(sim: DarajaSimulator) -> list[Route]:
    """OAuth, STK push and query, C2B register (v1 and v2) and the sandbox's C2B simulate."""

    async def oauth(request: Request) -> Response:
        try:
            faulted = await sim.faulted("oauth")
            if faulted:
                return faulted
            answer = sim.issue_token(
                request.headers.get("Authorization"), request.query_params.get("grant_type")
            )
        except Refusal as refusal:
            return refusal.response()
        return JSONResponse(answer)

    handlers = _handlers(sim)
    return [
        Route("/oauth/v1/generate", oauth, methods=["GET"]),
        Route("/mpesa/stkpush/v1/processrequest", _api(sim, "stkpush", handlers["push"]), methods=["POST"]),
        Route("/mpesa/stkpushquery/v1/query", _api(sim, "query", handlers["query"]), methods=["POST"]),
        *[
            Route(
                f"/mpesa/c2b/{v}/registerurl",
                _api(sim, "registerurl", handlers["register"]),
                methods=["POST"],
            )
            for v in ("v1", "v2")
        ],
        *[
            Route(f"/mpesa/c2b/{v}/simulate", _api(sim, "simulate", handlers["simulate"]), methods=["POST"])
            for v in ("v1", "v2")
        ],
    ]


def _api(sim: DarajaSimulator, name: str, handler: Handler) -> Callable[[Request], Any]:
    """A Daraja endpoint: fault, Bearer token, JSON body, then ``handler``; every call recorded."""

    async def endpoint(request: Request) -> Response:
        body: Any = None
        try:
            faulted = await sim.faulted(name)
            if faulted:
                return faulted
            owner = sim.token_owner(request.headers.get("Authorization"))
            body = await _daraja_json(request)
            answer, status = await run_in_threadpool(handler, owner, body), 200
        except Refusal as refusal:
            answer, status = refusal.document(), refusal.status
        at = dt.datetime.now(dt.UTC).isoformat()
        sim.record({"api": name, "request": body, "status": status, "answer": answer, "at": at})
        return JSONResponse(answer, status_code=status)

    return endpoint


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


def _handlers(sim: DarajaSimulator) -> dict[str, Handler]:
    def owned(owner: str, value: Any, field: str = "BusinessShortCode") -> Merchant:
        found = merchant(sim.merchants(), value, field)
        if found.shortcode != owner:  # a token of another app
            raise Refusal(BAD, f"Bad Request - Invalid {field}")
        return found

    def push(owner: str, body: dict[str, Any]) -> dict[str, Any]:
        found = owned(owner, body.get("BusinessShortCode"))
        prompt = sim.stk.open(found.shortcode, check_push(body, found))
        return {
            "MerchantRequestID": prompt.merchant_request_id,
            "CheckoutRequestID": prompt.checkout_request_id,
            "ResponseCode": "0",
            "ResponseDescription": ACCEPTED,
            "CustomerMessage": ACCEPTED,
        }

    def query(owner: str, body: dict[str, Any]) -> dict[str, Any]:
        found = owned(owner, body.get("BusinessShortCode"))
        check_credentials(body, found)
        prompt = sim.stk.find(str(body.get("CheckoutRequestID") or ""))
        if prompt is None or prompt.shortcode != found.shortcode:
            raise Refusal(BAD, "Bad Request - Invalid CheckoutRequestID")
        return query_answer(prompt)

    def register(owner: str, body: dict[str, Any]) -> dict[str, Any]:
        found = owned(owner, body.get("ShortCode"), "ShortCode")
        checked = check_registration(body, sim.config.production, sim.c2b.registered(found.shortcode))
        sim.c2b.register(found.shortcode, checked)
        return {
            "OriginatorCoversationID": conversation_id(),
            "ResponseCode": "0",
            "ResponseDescription": "Success",
        }

    def simulate(owner: str, body: dict[str, Any]) -> dict[str, Any]:
        found = owned(owner, body.get("ShortCode"), "ShortCode")
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

    return {"push": push, "query": query, "register": register, "simulate": simulate}


def control_routes_for(sim: DarajaSimulator) -> list[Route]:
    """``/_sim/stk``, ``/_sim/stk/{id}``, ``/_sim/stk/{id}/resolve``, ``/_sim/oauth``(``/revoke``),
    ``/_sim/c2b`` and ``/_sim/c2b/pay``."""

    async def prompts(request: Request) -> Response:
        params = request.query_params
        return JSONResponse(sim.stk.listing(params.get("phone"), params.get("status")))

    async def prompt(request: Request) -> Response:
        return JSONResponse(dataclasses.asdict(sim.stk.get(request.path_params["checkout_id"])))

    async def resolve(request: Request) -> Response:
        body = await json_body(request)
        checkout_id = request.path_params["checkout_id"]
        outcome = sim.stk.outcome(body)
        delay = body.get("delay")
        if delay is None:
            return JSONResponse(dataclasses.asdict(sim.stk.resolve(checkout_id, outcome)))
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ControlError("delay is a number of seconds >= 0")
        sim.stk.resolve_later(sim.stk.get(checkout_id), outcome, float(delay))
        return JSONResponse({**dataclasses.asdict(sim.stk.get(checkout_id)), "resolves_in": delay})

    async def oauth(request: Request) -> Response:
        return JSONResponse(sim.oauth_state())

    async def revoke(request: Request) -> Response:
        sim.revoke(str((await json_body(request)).get("shortcode") or ""))
        return Response(status_code=204)

    async def c2b(request: Request) -> Response:
        return JSONResponse(sim.c2b.listing())

    async def pay(request: Request) -> Response:
        body = await json_body(request)
        if body.get("wait", True) is False:
            return JSONResponse(sim.c2b.pay_in_background(body))
        return JSONResponse(await run_in_threadpool(sim.c2b.pay, body))

    return [
        Route("/_sim/stk", prompts, methods=["GET"]),
        Route("/_sim/stk/{checkout_id}", prompt, methods=["GET"]),
        Route("/_sim/stk/{checkout_id}/resolve", resolve, methods=["POST"]),
        Route("/_sim/oauth", oauth, methods=["GET"]),
        Route("/_sim/oauth/revoke", revoke, methods=["POST"]),
        Route("/_sim/c2b", c2b, methods=["GET"]),
        Route("/_sim/c2b/pay", pay, methods=["POST"]),
    ]
