"""A local Africa's Talking SMS API: ``POST /version1/messaging`` answered as AT does, delivery reports posted
afterwards, and injectors for incoming SMS and opt-outs (``POST /_sim/incoming``, ``POST /_sim/opt-out``).

Faults for ``POST /_sim/fail`` (each with an optional ``"count"``): ``{"status": 429}`` or ``{"status": 500}``
(HTTP error), ``{"recipient_status": 500}`` (every recipient gets that AT status code),
``{"message": "InsufficientBalance"}`` (refused wholesale), ``{"delay": 3}`` (answer late).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import secrets
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from providers.simulators.callbacks import Callback, Schedule
from providers.simulators.common import ControlError, SimulatorState, json_body, simulator, simulator_app
from providers.simulators.segments import sms_segments

STATUS_WORDS = {
    100: "Processed",
    101: "Success",  # the table calls 101 "Sent"; the wire says "Success"
    102: "Queued",
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    409: "DoNotDisturbRejection",
    500: "InternalServerError",
    501: "GatewayError",
    502: "RejectedByGateway",
}
PHONE = re.compile(r"^\+\d{9,15}$")
AUTH_FAILED = "The supplied authentication is invalid"


@dataclasses.dataclass(frozen=True)
class AtConfig:
    """The simulator's settings; change them with ``POST /_sim/config``."""

    username: str = "sandbox"
    api_key: str = "simulator-key"
    sender_ids: frozenset[str] = frozenset({"KARO"})  # registered sender ids; others get InvalidSenderId
    shortcode: str = "22384"  # our two-way shortcode: a valid ``from``, and where incoming SMS go
    blacklist: frozenset[str] = frozenset()  # numbers that opted out: 406 UserInBlacklist
    recipient_status: dict[str, int] = dataclasses.field(default_factory=dict)  # number -> AT status code
    undeliverable: dict[str, str] = dataclasses.field(default_factory=dict)  # number -> DLR failureReason
    delivery_report_url: str | None = None
    incoming_url: str | None = None  # Karo's /at/sms/{token}
    opt_out_url: str | None = None  # Karo's /at/opt-out/{token}
    delay: float = 0.05  # seconds before the delivery reports go out
    duplicate: bool = False  # post every callback twice
    reorder: bool = False  # post a send's delivery reports last-first (Success before Sent)
    retries: int = 2  # AT retries a callback that got no 2xx
    retry_delay: float = 0.2
    rate: float = 0.8  # KES per segment
    content_type: str = "application/json"  # what the send answer says it is


class AtSimulator(SimulatorState[AtConfig]):
    """Everything the Africa's Talking simulator knows: settings, sent messages, faults, callback log."""

    def __init__(self, config: AtConfig | None = None) -> None:
        super().__init__(config or AtConfig())

    def recipient(self, number: str, sender: str | None, message: str, forced: int | None) -> dict[str, Any]:
        """AT's per-recipient answer for ``number``, recorded."""
        cfg = self.config
        if not PHONE.match(number):
            code = 403
        elif number in cfg.blacklist:
            code = 406
        else:
            code = forced or cfg.recipient_status.get(number, 101)
        accepted = code in (100, 101, 102)
        segments = sms_segments(message)
        answer = {
            "statusCode": code,
            "number": number,
            "status": STATUS_WORDS.get(code, "Failed"),
            "cost": f"KES {segments * cfg.rate:.4f}" if accepted else "0",
            "messageId": f"ATXid_{secrets.token_hex(16)}" if accepted else "None",
        }
        self.record(_record(answer, sender, message, accepted, segments))
        return answer

    def delivery_reports(self, recipients: list[dict[str, Any]]) -> list[Callback]:
        """Sent, then Success (or Failed with a failureReason) for each accepted recipient."""
        url = self.config.delivery_report_url
        if not url:
            return []
        reports = []
        for r in recipients:
            if r["messageId"] == "None":
                continue
            base = {"id": r["messageId"], "phoneNumber": r["number"], "networkCode": "63902"}
            reason = self.config.undeliverable.get(r["number"])
            final = {"status": "Failed", "failureReason": reason} if reason else {"status": "Success"}
            reports += [Callback(url, {**base, "status": "Sent"}), Callback(url, {**base, **final})]
            self.update_message("id", r["messageId"], delivery=final["status"])
        return reports

    def schedule(self) -> Schedule:
        cfg = self.config
        return Schedule(cfg.delay, cfg.duplicate, cfg.reorder, cfg.retries, cfg.retry_delay)


def _record(
    answer: dict[str, Any], sender: str | None, message: str, accepted: bool, segments: int
) -> dict[str, Any]:
    return {
        "id": answer["messageId"] if accepted else None,
        "to": answer["number"],
        "from": sender,
        "message": message,
        "status": answer["status"],
        "statusCode": answer["statusCode"],
        "accepted": accepted,
        "segments": segments,
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }


def create_app(sim: AtSimulator | None = None) -> Starlette:
    """The simulator as an ASGI app; its state is ``app.state.sim``."""
    return simulator_app(sim or AtSimulator(), ROUTES)


async def send(request: Request) -> Response:
    """``POST /version1/messaging``: AT's answer per recipient, delivery reports scheduled."""
    sim: AtSimulator = simulator(request)
    cfg = sim.config
    form = await request.form()
    if request.headers.get("apiKey") != cfg.api_key or form.get("username") != cfg.username:
        return PlainTextResponse(AUTH_FAILED, status_code=401)
    numbers = [n.strip() for n in str(form.get("to", "")).split(",") if n.strip()]
    sender = str(form["from"]) if form.get("from") else None
    message = str(form.get("message", ""))
    fault = sim.take_fault() or {}
    if fault.get("delay"):
        await asyncio.sleep(float(fault["delay"]))
    if fault.get("status"):
        _record_refusal(sim, numbers, sender, message, f"HTTP {fault['status']}")
        return PlainTextResponse(str(fault.get("body", "Internal error")), status_code=int(fault["status"]))
    wholesale = fault.get("message") or _sender_problem(cfg, sender)
    if wholesale:
        _record_refusal(sim, numbers, sender, message, wholesale)
        return _answer(cfg, {"Message": wholesale, "Recipients": []}, 200)
    recipients = [sim.recipient(n, sender, message, fault.get("recipient_status")) for n in numbers]
    sim.poster.schedule(sim.delivery_reports(recipients), sim.schedule())
    return _answer(cfg, {"Message": _summary(recipients), "Recipients": recipients}, 201)


async def user(request: Request) -> Response:
    """``GET /version1/user?username=``: the account's balance (what ``karo check`` asks)."""
    cfg = simulator(request).config
    if request.headers.get("apiKey") != cfg.api_key or request.query_params.get("username") != cfg.username:
        return PlainTextResponse(AUTH_FAILED, status_code=401)
    return JSONResponse({"UserData": {"balance": "KES 1000.0000"}})


async def incoming(request: Request) -> Response:
    """``POST /_sim/incoming``: a parent's SMS to our shortcode, posted to ``incoming_url``."""
    sim: AtSimulator = simulator(request)
    body = await json_body(request)
    url = sim.config.incoming_url
    if not url or not body.get("from"):
        raise ControlError("set incoming_url first, and give at least a 'from'")
    form = _incoming_form(sim.config, body)
    status = await _post(sim, Callback(url, form))
    return JSONResponse({"id": form["id"], "status_code": status, "form": form})


async def opt_out(request: Request) -> Response:
    """``POST /_sim/opt-out``: the phone joins the blacklist and AT tells ``opt_out_url``."""
    sim: AtSimulator = simulator(request)
    body = await json_body(request)
    if not body.get("phone"):
        raise ControlError("give the 'phone' that opts out")
    with sim.lock:
        sim.configure({"blacklist": sorted(sim.config.blacklist | {body["phone"]})})
    url, status = sim.config.opt_out_url, None
    if url:
        sender = body.get("sender_id") or sorted(sim.config.sender_ids)[0]
        status = await _post(sim, Callback(url, {"senderId": sender, "phoneNumber": body["phone"]}))
    return JSONResponse({"status_code": status})


ROUTES = [
    Route("/version1/messaging", send, methods=["POST"]),
    Route("/version1/user", user, methods=["GET"]),
    Route("/_sim/incoming", incoming, methods=["POST"]),
    Route("/_sim/opt-out", opt_out, methods=["POST"]),
]


def _sender_problem(cfg: AtConfig, sender: str | None) -> str | None:
    if sender is None or sender in cfg.sender_ids or sender == cfg.shortcode:
        return None
    return "InvalidSenderId"


def _record_refusal(sim: AtSimulator, numbers: list[str], sender: str | None, message: str, why: str) -> None:
    for number in numbers:
        answer = {"messageId": None, "number": number, "status": why, "statusCode": None}
        sim.record(_record(answer, sender, message, False, sms_segments(message)))


def _summary(recipients: list[dict[str, Any]]) -> str:
    sent = [r for r in recipients if r["messageId"] != "None"]
    total = sum(float(r["cost"].split()[1]) for r in sent)
    return f"Sent to {len(sent)}/{len(recipients)} Total Cost: KES {total:.4f}"


def _answer(cfg: AtConfig, data: dict[str, Any], status: int) -> Response:
    return JSONResponse({"SMSMessageData": data}, status_code=status, media_type=cfg.content_type)


def _incoming_form(cfg: AtConfig, body: dict[str, Any]) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    iso = body.get("date_format", "iso") == "iso"
    form = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ" if iso else "%Y-%m-%d %H:%M:%S"),
        "from": str(body["from"]),
        "id": str(body.get("id") or uuid.uuid4()),
        "text": str(body.get("text", "")),
        "to": str(body.get("to") or cfg.shortcode),
        "networkCode": str(body.get("network_code", "63902")),
        "cost": "KES 0.0000",
    }
    if body.get("link_id"):
        form["linkId"] = str(body["link_id"])
    return form


async def _post(sim: AtSimulator, callback: Callback) -> int | None:
    """Post now (off the event loop), as AT would: retried on failure, twice when ``duplicate`` is set."""
    cfg = sim.config
    status = None
    for _ in range(2 if cfg.duplicate else 1):
        status = await run_in_threadpool(sim.poster.post_now, callback, cfg.retries, cfg.retry_delay)
    return status
