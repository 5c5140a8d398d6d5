"""The vendor simulators as ``karo demo`` runs them: started beside Karo, wired to its webhooks, and driven
as a parent's phone by the sandbox (a message in, the conversation out).

Everything the sandbox shows comes from the simulators' own records (``/_sim/messages`` for what Karo
sent, ``/_sim/callbacks`` for what the parent sent to Karo, ``/_sim/stk`` for the M-Pesa prompts open
on the phone), so it is what went over the wire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from bot.demo.simulated_mpesa import PROMPT_TIMEOUT_SECONDS, MpesaPhone, daraja_config, is_loopback
from bot.settings import Settings
from providers.daraja_types import Shortcode
from providers.simulators import africastalking as at_simulator
from providers.simulators import daraja as daraja_simulator
from providers.simulators import twilio as twilio_simulator
from providers.simulators.serve import start_in_thread
from providers.simulators.smtp import SmtpSink, start_sink

PROVIDER_SETTINGS = (
    "at_username",
    "at_api_key",
    "at_api_url",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_api_url",
    "twilio_whatsapp_from",
    "twilio_sms_from",
)
TIMEOUT_SECONDS = 10.0  # an injected message waits for Karo to answer its webhook
DEMO_EMAIL_FROM = "Karo demo <fees@karo.example>"


class SimulatorError(Exception):
    """A simulator could not be reached, or refused what the sandbox asked of it."""


def providers_configured(settings: Settings) -> bool:
    """Whether any SMS or WhatsApp provider setting is set (else the demo runs the simulators)."""
    return any(getattr(settings, name) for name in PROVIDER_SETTINGS)


def start_simulators(
    settings: Settings,
    public_url: str,
    shortcodes: Sequence[Shortcode] = (),
    prompt_timeout: float = PROMPT_TIMEOUT_SECONDS,
) -> tuple[Settings, Callable[[], None]]:
    """Serve the Africa's Talking, Twilio and (unless ``KARO_DARAJA_API_URL`` is set) Daraja simulators on
    loopback, their callbacks aimed at the Karo serving on ``public_url``; return ``settings`` pointed at
    them, and a ``stop()`` for all. Daraja knows the apps in ``shortcodes``, and each STK prompt waits for
    the sandbox's phone to answer it, ending 1037 after ``prompt_timeout`` seconds."""
    token = settings.webhook_token.get_secret_value() if settings.webhook_token else None
    if not token:
        raise ValueError("the simulators' Africa's Talking callbacks need a webhook token")
    public_url, path_token = public_url.rstrip("/"), quote(token, safe="")
    at = at_simulator.AtConfig(
        delivery_report_url=f"{public_url}/at/sms-status/{path_token}",
        incoming_url=f"{public_url}/at/sms/{path_token}",
        opt_out_url=f"{public_url}/at/opt-out/{path_token}",
    )
    twilio = twilio_simulator.TwilioConfig(
        whatsapp_url=f"{public_url}/twilio/whatsapp", sms_url=f"{public_url}/twilio/sms"
    )
    with ExitStack() as started:  # a simulator that fails to start stops those already running
        at_url = _start(started, at_simulator.create_app(at_simulator.AtSimulator(at)))
        twilio_url = _start(started, twilio_simulator.create_app(twilio_simulator.TwilioSimulator(twilio)))
        urls = _provider_settings(public_url, at, at_url, twilio, twilio_url)
        if settings.daraja_api_url is None:
            daraja = daraja_simulator.DarajaSimulator(daraja_config(shortcodes, prompt_timeout))
            urls["daraja_api_url"] = _start(started, daraja_simulator.create_app(daraja))
        stop = started.pop_all().close  # started: they run until the caller stops them
    return settings.with_changes(**urls), stop


def start_email_sink(settings: Settings) -> tuple[Settings, Callable[[], None]]:
    """Serve the local SMTP sink (``providers.simulators.smtp``) and point ``settings`` at it: Karo's email
    goes there, and the sandbox's email pane reads its inbox."""
    smtp_url, inbox_url, stop = start_sink(SmtpSink())
    changes = {"smtp_url": smtp_url, "email_from": DEMO_EMAIL_FROM, "email_sink_url": inbox_url}
    return settings.with_changes(**changes), stop


def _start(started: ExitStack, app: Any) -> str:
    url, stop = start_in_thread(app)
    started.callback(stop)
    return url


def _provider_settings(
    public_url: str,
    at: at_simulator.AtConfig,
    at_url: str,
    twilio: twilio_simulator.TwilioConfig,
    twilio_url: str,
) -> dict[str, str]:
    return {
        "public_url": public_url,  # Twilio signs for it, and Karo checks signatures against it
        "at_username": at.username,
        "at_api_key": at.api_key,
        "at_api_url": at_url,
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_api_url": twilio_url,
        "twilio_whatsapp_from": twilio.whatsapp_number,
        "twilio_sms_from": twilio.sms_number,
    }


@dataclass(frozen=True)
class ChatLine:
    """One message in a parent's conversation: who wrote it, what, when, and what became of it."""

    sender: str  # "parent" or "karo"
    text: str
    at: str  # ISO 8601, UTC
    status: str
    document: str | None = None  # the link of a document sent along (a receipt's PDF on WhatsApp)
    # A WhatsApp list or reply buttons: {"kind": "list"|"buttons", "button": ..., "choices": [{id, title,
    # description}]}; tapping one sends its id back as Twilio would (``Simulators.send_whatsapp``).
    menu: dict[str, Any] | None = None


@dataclass(frozen=True)
class Tap:
    """A parent's tap on a list item (``kind`` "list": Twilio posts ListId/ListTitle) or a reply button
    ("buttons": ButtonPayload/ButtonText)."""

    kind: str
    id: str
    title: str


@dataclass(frozen=True)
class Simulators:
    """The running simulators, by their base URLs (from the settings ``start_simulators`` returned)."""

    at_url: str
    twilio_url: str
    daraja_url: str | None = None  # None: Daraja is not simulated here (or is the real one)
    email_url: str | None = None  # the local SMTP sink's inbox; None: email is not simulated here

    @classmethod
    def from_settings(cls, settings: Settings) -> Simulators | None:
        """The simulators the settings point at, or None when either messaging provider URL is unset."""
        if not settings.at_api_url or not settings.twilio_api_url:
            return None
        daraja = settings.daraja_api_url if is_loopback(settings.daraja_api_url) else None
        return cls(settings.at_api_url, settings.twilio_api_url, daraja, settings.email_sink_url)

    @property
    def mpesa_phone(self) -> MpesaPhone | None:
        """The phone's M-Pesa prompts, when Daraja is the local simulator."""
        return MpesaPhone(self.daraja_url) if self.daraja_url else None

    def send_whatsapp(self, phone: str, text: str, tap: Tap | None = None) -> int | None:
        """The parent at ``phone`` writes ``text`` on WhatsApp, or taps a list item or button (``tap``):
        Twilio's signed webhook goes to Karo. Returns the HTTP status Karo answered it with (None if Karo
        could not be reached)."""
        body = {"from": phone, "body": text}
        if tap is not None and tap.kind == "list":
            body |= {"list_id": tap.id, "list_title": tap.title, "body": tap.title}
        elif tap is not None:
            body |= {"button_payload": tap.id, "button_text": tap.title, "body": tap.title}
        return _status_code(self._call("POST", self.twilio_url, "inbound", body))

    def send_sms(self, phone: str, text: str) -> int | None:
        """The parent at ``phone`` texts ``text`` to the shortcode: AT's incoming callback goes to Karo."""
        answer = self._call("POST", self.at_url, "incoming", {"from": phone, "text": text})
        return _status_code(answer)

    def whatsapp_chat(self, phone: str) -> list[ChatLine]:
        """The WhatsApp conversation between ``phone`` and Karo, oldest first."""
        address = f"whatsapp:{phone}"
        sent = [
            ChatLine("karo", _whatsapp_text(m), m["at"], _twilio_status(m), _document(m), _menu(m))
            for m in self._call("GET", self.twilio_url, "messages")
            if m.get("to") == address
        ]
        received = [
            ChatLine("parent", hit["form"].get("Body", ""), hit["at"], _delivery(hit))
            for hit in self._posted(self.twilio_url, "/twilio/whatsapp")
            if hit["form"].get("From") == address
        ]
        return _in_order(sent + received)

    def sms_chat(self, phone: str) -> list[ChatLine]:
        """The SMS between ``phone`` and Karo's shortcode (through Africa's Talking), oldest first."""
        sent = [
            ChatLine("karo", m.get("message") or "", m["at"], m.get("delivery") or m.get("status") or "")
            for m in self._call("GET", self.at_url, "messages")
            if m.get("to") == phone
        ]
        received = [
            ChatLine("parent", hit["form"].get("text", ""), hit["at"], _delivery(hit))
            for hit in self._posted(self.at_url, "/at/sms/")
            if hit["form"].get("from") == phone
        ]
        return _in_order(sent + received)

    def email_inbox(self, addresses: Sequence[str]) -> list[ChatLine]:
        """What Karo emailed to any of ``addresses``, as the sink received it, oldest first: the subject
        over the text, and the attachments' names."""
        if self.email_url is None or not addresses:
            return []
        wanted = {address.lower() for address in addresses}
        return [
            ChatLine("karo", _mail_text(m), m["at"], f"to {', '.join(m['to'])}")
            for m in self._call("GET", self.email_url, "messages")
            if wanted & set(m.get("to") or ())
        ]

    def _posted(self, base: str, path: str) -> list[dict[str, Any]]:
        """First attempts of the callbacks this simulator posted to a Karo path starting with ``path``."""
        attempts = self._call("GET", base, "callbacks")["attempts"]
        return [
            hit for hit in attempts if hit.get("attempt") == 0 and urlsplit(hit["url"]).path.startswith(path)
        ]

    def _call(self, method: str, base: str, route: str, body: dict[str, str] | None = None) -> Any:
        try:
            response = httpx.request(method, f"{base}/_sim/{route}", json=body, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SimulatorError(f"the simulator at {base} did not answer /_sim/{route}: {error}") from error


def _status_code(answer: dict[str, Any]) -> int | None:
    code = answer.get("status_code")
    return code if isinstance(code, int) else None


def _whatsapp_text(message: dict[str, Any]) -> str:
    if message.get("body") or message.get("media_urls"):
        return str(message.get("body") or "")
    return f"[template {message.get('content_sid')}: {message.get('content_variables') or ''}]"


def _menu(message: dict[str, Any]) -> dict[str, Any] | None:
    """A list-picker's items or a quick-reply's buttons, as the simulator rendered the Content template."""
    shown = message.get("interactive")
    if not shown:
        return None
    if shown.get("type") == "twilio/list-picker":
        choices = [
            {"id": i["id"], "title": i["item"], "description": i["description"]} for i in shown["items"]
        ]
        return {"kind": "list", "button": shown.get("button", ""), "choices": choices}
    choices = [{"id": a["id"], "title": a["title"], "description": ""} for a in shown.get("actions", [])]
    return {"kind": "buttons", "button": "", "choices": choices}


def _mail_text(mail: dict[str, Any]) -> str:
    attached = "".join(f"\n[attached: {a.get('filename')}]" for a in mail.get("attachments") or ())
    return f"{mail.get('subject', '')}\n\n{str(mail.get('text', '')).strip()}{attached}"


def _document(message: dict[str, Any]) -> str | None:
    """The first document Twilio was asked to send with the message (Karo sends one at most)."""
    urls = message.get("media_urls") or []
    return str(urls[0]) if urls else None


def _twilio_status(message: dict[str, Any]) -> str:
    code = message.get("error_code")
    return f"{message.get('status')} ({code})" if code else str(message.get("status") or "")


def _delivery(hit: dict[str, Any]) -> str:
    """How Karo answered the parent's message: ``received`` for a 2xx, else the status or the error."""
    code = hit.get("status_code")
    if isinstance(code, int):
        return "received" if 200 <= code < 300 else f"Karo answered {code}"
    return f"Karo unreachable: {hit.get('error', '')}"


def _in_order(lines: list[ChatLine]) -> list[ChatLine]:
    return sorted(lines, key=lambda line: dt.datetime.fromisoformat(line.at))
