"""A local Twilio Messages API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` answered as Twilio does,
with the WhatsApp 24-hour rule, signed status callbacks, and a signed inbound injector (``/_sim/inbound``).
``GET`` on the same path lists the messages Twilio took, newest first, in Twilio's page shape, filtered by
``To``, ``From`` and ``DateSent>`` / ``DateSent<`` / ``DateSent`` (what the SDK's ``messages.list`` sends).
A message may carry up to ten ``MediaUrl`` (each an absolute http(s) URL, else 21620; more, 21623): they are
recorded as ``media_urls`` and counted in ``num_media``, not fetched; on WhatsApp only the first is kept, as
Twilio's WhatsApp sends one attachment per message and ignores the others.

As the provider reference says, a free-form WhatsApp message outside the window is accepted (201, ``queued``)
and then fails: its status callback is ``failed`` with ``ErrorCode=63016``. Faults for ``POST /_sim/fail``:
``{"status": 429}``, ``{"status": 500}``, ``{"status": 400, "code": 21211, "message": "..."}``,
``{"delay": 3}``.

The Content API (``POST``/``GET /v1/Content``, ``providers.simulators.twilio_content``) creates list-picker
and quick-reply templates, checking their shape; a send with such a ContentSid is checked once its variables
are filled in, and recorded with ``interactive`` (what the parent sees). ``/_sim/inbound`` takes
``button_payload``/``button_text`` (a reply button's tap) and ``list_id``/``list_title`` (a list item's).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from providers.simulators.callbacks import Callback, Schedule
from providers.simulators.common import ControlError, SimulatorState, json_body, simulator, simulator_app
from providers.simulators.twilio_content import body_of, render
from providers.simulators.twilio_content import create_content as content_resource
from providers.simulators.twilio_content import page as content_page
from providers.simulators.twilio_pages import listing_page, resource
from providers.simulators.twilio_rules import (
    Refusal,
    check_request,
    delivery_fate,
    fault_refusal,
    media_urls,
    split_channel,
    status_form,
)


@dataclasses.dataclass(frozen=True)
class TwilioConfig:
    """The simulator's settings; change them with ``POST /_sim/config``."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "simulator-token"
    whatsapp_number: str = "+14155238886"  # our WhatsApp sender (without the whatsapp: prefix)
    whatsapp_senders: tuple[str, ...] = ()  # more senders the account has (schools' own), without prefix
    sms_number: str = "+15005550006"  # our SMS number: the To of injected inbound SMS
    whatsapp_url: str | None = None  # Karo's /twilio/whatsapp
    sms_url: str | None = None  # Karo's /twilio/sms
    templates: dict[str, bool] = dataclasses.field(
        default_factory=dict
    )  # ContentSid -> approved (empty: any HX)
    undeliverable: frozenset[str] = frozenset()  # numbers whose messages end undelivered (30003)
    window_hours: float = 24.0
    delay: float = 0.05  # seconds before the status callbacks go out
    duplicate: bool = False  # post every callback twice
    reorder: bool = False  # post a message's callbacks last-first (delivered before sent)


class TwilioSimulator(SimulatorState[TwilioConfig]):
    """Everything the Twilio simulator knows, including when each WhatsApp user last wrote to us."""

    def __init__(
        self, config: TwilioConfig | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(config or TwilioConfig())
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._last_inbound: dict[str, dt.datetime] = {}
        self.contents: dict[str, dict[str, Any]] = {}  # ContentSid -> the Content resource created

    def on_reset(self) -> None:
        self._last_inbound.clear()
        self.contents.clear()

    def note_inbound(self, phone: str, at: dt.datetime) -> None:
        """``phone`` wrote to our WhatsApp number at ``at``: its 24-hour window runs from then."""
        with self.lock:
            self._last_inbound[phone] = max(at, self._last_inbound.get(phone, at))

    def in_window(self, phone: str) -> bool:
        with self.lock:
            last = self._last_inbound.get(phone)
        return last is not None and self.clock() - last < dt.timedelta(hours=self.config.window_hours)

    def accept(self, form: Any, fault: dict[str, Any]) -> tuple[dict[str, Any], list[Callback]]:
        """Validate a Messages.json form (``Refusal`` if Twilio, or a scripted fault, would); record it;
        return it with the status callbacks to post."""
        cfg = self.config
        try:
            if fault.get("status"):
                raise fault_refusal(fault)
            # Templates created here are known too (unapproved: list-pickers cannot be, and ours are not).
            known = {**cfg.templates, **dict.fromkeys(self.contents, False)} if cfg.templates else {}
            check_request(form, (cfg.whatsapp_number, *cfg.whatsapp_senders), known)
            content = self.contents.get(str(form.get("ContentSid") or ""))
            interactive = render(content, form.get("ContentVariables")) if content else None
        except Refusal as refusal:
            self.record(_message(form, None, "rejected", refusal.code))
            raise
        channel, phone = split_channel(str(form["To"]))
        content_sid = form.get("ContentSid")
        approved = bool(content_sid) and content is None and cfg.templates.get(str(content_sid), True)
        fate = delivery_fate(channel, approved, self.in_window(phone), phone in cfg.undeliverable)
        message = _message(form, "SM" + secrets.token_hex(16), fate.final, fate.error_code, interactive)
        self.record(message)
        url = form.get("StatusCallback")
        if not url:
            return message, []
        validator = RequestValidator(cfg.auth_token)
        callbacks = []
        for status in fate.statuses:
            body = status_form(message, status, cfg.account_sid, fate.error_code)
            signature = validator.compute_signature(str(url), body)
            callbacks.append(Callback(str(url), body, {"X-Twilio-Signature": signature}))
        return message, callbacks

    def schedule(self) -> Schedule:
        cfg = self.config
        return Schedule(cfg.delay, cfg.duplicate, cfg.reorder, retries=0)  # Twilio does not retry callbacks


def _message(
    form: Any, sid: str | None, status: str, error_code: int | None, interactive: dict[str, Any] | None = None
) -> dict[str, Any]:
    to = str(form.get("To", ""))
    channel = split_channel(to)[0]
    media = media_urls(form)[: 1 if channel == "whatsapp" else None]  # WhatsApp ignores all but the first
    return {
        "sid": sid,
        "to": to,
        "from": str(form.get("From", "")),
        "body": form.get("Body") or (body_of(interactive) if interactive else None),
        # A list-picker or quick-reply as the parent sees it: its type, body, button and items/actions.
        "interactive": interactive,
        "media_urls": media,  # the documents sent along, as Twilio was asked to fetch them
        "content_sid": form.get("ContentSid"),
        "content_variables": form.get("ContentVariables"),
        "status_callback": form.get("StatusCallback"),
        "channel": channel,
        "status": status,  # where it ends up; the send answer itself always says "queued"
        "error_code": error_code,
        "accepted": sid is not None,
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _authorised(request: Request, cfg: TwilioConfig, account_sid: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic ") or account_sid != cfg.account_sid:
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return secrets.compare_digest(f"{user}:{password}", f"{cfg.account_sid}:{cfg.auth_token}")


def create_app(sim: TwilioSimulator | None = None) -> Starlette:
    """The simulator as an ASGI app; its state is ``app.state.sim``."""
    return simulator_app(sim or TwilioSimulator(), ROUTES)


async def create(request: Request) -> Response:
    """``POST .../Messages.json``: the Message resource (201), or Twilio's error document."""
    sim: TwilioSimulator = simulator(request)
    cfg = sim.config
    if not _authorised(request, cfg, request.path_params["sid"]):
        return JSONResponse(Refusal(401, 20003).document(), status_code=401)
    form = await request.form()
    fault = sim.take_fault() or {}
    if fault.get("delay"):
        await asyncio.sleep(float(fault["delay"]))
    try:
        message, callbacks = sim.accept(form, fault)
    except Refusal as refusal:
        return JSONResponse(refusal.document(), status_code=refusal.status)
    sim.poster.schedule(callbacks, sim.schedule())
    return JSONResponse(resource(message, cfg.account_sid), status_code=201)


async def account(request: Request) -> Response:
    """``GET /2010-04-01/Accounts/{sid}.json``: the Account resource (what ``karo check`` asks)."""
    sim: TwilioSimulator = simulator(request)
    if not _authorised(request, sim.config, request.path_params["sid"]):
        return JSONResponse(Refusal(401, 20003).document(), status_code=401)
    return JSONResponse({"sid": sim.config.account_sid, "status": "active", "type": "Full"})


async def listing(request: Request) -> Response:
    """``GET .../Messages.json``: one page of the messages taken, newest first."""
    sim: TwilioSimulator = simulator(request)
    if not _authorised(request, sim.config, request.path_params["sid"]):
        return JSONResponse(Refusal(401, 20003).document(), status_code=401)
    try:
        return JSONResponse(listing_page(sim.messages(), request.query_params, sim.config.account_sid))
    except Refusal as refusal:
        return JSONResponse(refusal.document(), status_code=refusal.status)


async def create_content(request: Request) -> Response:
    """``POST /v1/Content``: a Content template (201), or Twilio's error document for a malformed one."""
    sim: TwilioSimulator = simulator(request)
    cfg = sim.config
    if not _authorised(request, cfg, cfg.account_sid):
        return JSONResponse(Refusal(401, 20003).document(), status_code=401)
    try:
        content = content_resource(await json_body(request), cfg.account_sid)
    except Refusal as refusal:
        return JSONResponse(refusal.document(), status_code=refusal.status)
    with sim.lock:
        sim.contents[content["sid"]] = content
    return JSONResponse(content, status_code=201)


async def list_contents(request: Request) -> Response:
    """``GET /v1/Content``: the templates created, in one page."""
    sim: TwilioSimulator = simulator(request)
    if not _authorised(request, sim.config, sim.config.account_sid):
        return JSONResponse(Refusal(401, 20003).document(), status_code=401)
    with sim.lock:
        contents = list(sim.contents.values())
    return JSONResponse(content_page(contents))


async def inbound(request: Request) -> Response:
    """``POST /_sim/inbound``: a parent's WhatsApp or SMS, posted signed to Karo's webhook."""
    sim: TwilioSimulator = simulator(request)
    body = await json_body(request)
    if not body.get("from"):
        raise ControlError("give at least a 'from' (E.164) and a 'body'")
    form, url = _inbound(sim, body)
    status = None
    if url:
        signature = RequestValidator(sim.config.auth_token).compute_signature(url, form)
        callback = Callback(url, form, {"X-Twilio-Signature": signature})
        for _ in range(2 if sim.config.duplicate else 1):
            status = await run_in_threadpool(sim.poster.post_now, callback)
    return JSONResponse({"sid": form["MessageSid"], "status_code": status, "form": form})


ROUTES = [
    Route("/2010-04-01/Accounts/{sid}.json", account, methods=["GET"]),
    Route("/2010-04-01/Accounts/{sid}/Messages.json", create, methods=["POST"]),
    Route("/2010-04-01/Accounts/{sid}/Messages.json", listing, methods=["GET"]),
    Route("/v1/Content", create_content, methods=["POST"]),
    Route("/v1/Content", list_contents, methods=["GET"]),
    Route("/_sim/inbound", inbound, methods=["POST"]),
]


def _inbound(sim: TwilioSimulator, body: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The webhook form for an injected inbound message, and the URL to post it to (if set)."""
    cfg, phone, channel = sim.config, str(body["from"]), str(body.get("channel", "whatsapp"))
    if channel not in ("whatsapp", "sms"):
        raise ControlError("channel is 'whatsapp' or 'sms'")
    sid = "SM" + secrets.token_hex(16)
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    to = str(body.get("to") or (cfg.whatsapp_number if channel == "whatsapp" else cfg.sms_number))
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": cfg.account_sid,
        "From": prefix + phone,
        "To": prefix + to,
        "Body": str(body.get("body", "")),
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    if channel == "whatsapp":
        form |= _whatsapp_fields(body, phone)
        at = dt.datetime.fromisoformat(body["at"]) if body.get("at") else sim.clock()
        sim.note_inbound(phone, at if at.tzinfo else at.replace(tzinfo=dt.UTC))
    return form, cfg.whatsapp_url if channel == "whatsapp" else cfg.sms_url


def _whatsapp_fields(body: dict[str, Any], phone: str) -> dict[str, str]:
    """A reply button's tap carries ``ButtonPayload``/``ButtonText``; a list item's ``ListId``/``ListTitle``
    (and its description); the Body is the title tapped, as WhatsApp shows it in the chat."""
    kind = "interactive" if body.get("list_id") else "button" if body.get("button_payload") else "text"
    fields = {
        "ProfileName": str(body.get("profile_name", "Parent")),
        "WaId": phone.lstrip("+"),
        "MessageType": kind,
    }
    if body.get("button_payload"):
        fields["ButtonPayload"] = str(body["button_payload"])
        fields["ButtonText"] = str(body.get("button_text") or body.get("body", ""))
    if body.get("list_id"):
        fields["ListId"] = str(body["list_id"])
        fields["ListTitle"] = str(body.get("list_title") or body.get("body", ""))
        if body.get("list_description"):
            fields["ListDescription"] = str(body["list_description"])
    return fields
