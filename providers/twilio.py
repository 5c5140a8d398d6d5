"""Twilio SMS and WhatsApp: send through the official SDK, parse and verify Twilio's signed webhooks.

The SDK's ``Api`` domain carries its host as ``base_url``; setting it to ``api_url`` sends the unchanged SDK
request (auth, form, error parsing) to the simulator or the real API. The SDK's default HTTP client has no
timeout, so ours always sets one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from providers.inbound import IncomingMessage, MalformedCallback, optional, required
from providers.messaging import DeliveryUpdate, Interactive, SendResult, TransientSendError
from providers.twilio_content import ContentTemplates, variables

log = logging.getLogger(__name__)

PROVIDER = "twilio"
WHATSAPP = "whatsapp:"
STATUS_PATH = "/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'  # "nothing to reply"
# Twilio's MessageStatus words, folded into the DeliveryUpdate vocabulary. The early ones (queued, sending,
# accepted, scheduled) only say Twilio has the message, which is what "sent" means to the outbox.
STATUSES = {
    "queued": "sent",
    "accepted": "sent",
    "scheduled": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "partially_delivered": "undelivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# The SDK reads TWILIO_EDGE / TWILIO_REGION from os.environ unless given a mapping; empty values keep the
# host exactly as configured (an edge would rewrite the simulator's host).
_NO_ENVIRONMENT = {"TWILIO_EDGE": "", "TWILIO_REGION": ""}
# How far Twilio's clock may run behind ours when we ask what it sent since a moment of ours.
CLOCK_SLACK = dt.timedelta(seconds=30)
LOOKUP_PAGE = 50  # the recipient's newest messages read when the date filter finds nothing


class TwilioMessaging:
    """An ``SmsSender`` and ``WhatsAppSender`` over Twilio's Messages API.

    ``api_url`` replaces ``https://api.twilio.com`` (the simulator in tests and the demo). ``sms_from`` and
    ``whatsapp_from`` are our numbers (``whatsapp_from`` with or without the ``whatsapp:`` prefix). When
    ``callback_base_url`` (Karo's public URL) is given, every message asks for status callbacks at
    ``{callback_base_url}/twilio/status``.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_url: str | None = None,
        sms_from: str | None = None,
        whatsapp_from: str | None = None,
        timeout: float = 10,
        *,
        callback_base_url: str | None = None,
    ) -> None:
        http = TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http, environment=_NO_ENVIRONMENT)
        if api_url:  # the simulator serves the Messages API and the Content API alike
            self._client.api.base_url = api_url.rstrip("/")
            self._client.content.base_url = api_url.rstrip("/")
        self._templates = ContentTemplates(self._client)
        self._sms_from = sms_from
        self._whatsapp_from = whatsapp_address(whatsapp_from) if whatsapp_from else None
        self._status_callback = callback_base_url.rstrip("/") + STATUS_PATH if callback_base_url else None

    def send_sms(self, to: str, body: str, *, sender_id: str | None = None) -> SendResult:
        """Send an SMS from ``sender_id`` (or our SMS number) to one E.164 number."""
        sender = sender_id or self._sms_from
        if not sender:
            raise RuntimeError("TwilioMessaging has no SMS sender: set sms_from")
        return self._create(to=to, from_=sender, body=body)

    def send_whatsapp(
        self, to: str, body: str, *, media_url: str | None = None, sender: str | None = None
    ) -> SendResult:
        """Free-form WhatsApp text: Twilio fails it with 63016 outside the 24-hour window. ``media_url``
        goes as ``MediaUrl``: Twilio fetches the document from it (so it must be public) and sends it.
        ``sender``: a school's own WhatsApp number instead of ours (``whatsapp_from``)."""
        # A document alone goes without Body (Twilio requires one of Body, MediaUrl or ContentSid).
        parts: dict[str, Any] = {"body": body} if body or not media_url else {}
        if media_url:
            parts["media_url"] = [media_url]
        return self._create(to=whatsapp_address(to), from_=self._require_whatsapp(sender), **parts)

    def send_template(
        self, to: str, template_id: str, variables: dict[str, str], *, sender: str | None = None
    ) -> SendResult:
        """An approved Content template (``template_id`` is its ``HX...`` ContentSid), with no Body."""
        return self._create(
            to=whatsapp_address(to),
            from_=self._require_whatsapp(sender),
            content_sid=template_id,
            content_variables=json.dumps(variables),
        )

    def send_interactive(
        self, to: str, menu: Interactive, fallback: str, *, sender: str | None = None
    ) -> SendResult:
        """A list-picker or quick-reply message (inside the window: Twilio fails either with 63016 outside
        it), its template found or created by shape (``providers.twilio_content``), its texts as
        ``ContentVariables``. Where the template cannot be had, or Twilio refuses the send, ``fallback``
        goes as free text instead, so the parent always gets an answer."""
        try:
            sid = self._templates.sid_for(menu)
        except (TwilioException, requests.RequestException) as exc:
            log.warning("no Content template for a %s menu (%s): sending the numbered text", menu.kind, exc)
            return self.send_whatsapp(to, fallback, sender=sender)
        result = self._create(
            to=whatsapp_address(to),
            from_=self._require_whatsapp(sender),
            content_sid=sid,
            content_variables=json.dumps(variables(menu)),
        )
        if result.accepted:
            return result
        log.warning("Twilio refused an interactive menu (%s): sending the numbered text", result.reason)
        return self.send_whatsapp(to, fallback, sender=sender)

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The sid of a message with this ``body`` that Twilio took for ``to`` since ``since``, if any.

        ``to`` is Twilio's address: ``+2547...`` for SMS, ``whatsapp:+2547...`` for WhatsApp. Asked after
        a worker died mid-send, so the answer decides between recording the message and sending it again.
        Raises ``TransientSendError`` when Twilio cannot answer (then nothing should be decided).
        """
        after = since.astimezone(dt.UTC) - CLOCK_SLACK
        try:
            # Filtered by DateSent, as the API offers; then the recipient's newest messages by creation
            # time, since a message still waiting in Twilio's queue has no date_sent yet.
            found = _matching(self._client.messages.list(to=to, date_sent_after=after), body, after)
            if found is None:
                found = _matching(self._client.messages.list(to=to, limit=LOOKUP_PAGE), body, after)
        except (TwilioException, requests.RequestException) as exc:  # an error answer, or none at all
            raise TransientSendError(f"cannot list Twilio messages: {type(exc).__name__} {exc}") from exc
        return found

    def _require_whatsapp(self, sender: str | None = None) -> str:
        if sender:
            return whatsapp_address(sender)
        if not self._whatsapp_from:
            raise RuntimeError("TwilioMessaging has no WhatsApp sender: set whatsapp_from")
        return self._whatsapp_from

    def _create(self, **fields: str | list[str]) -> SendResult:
        if self._status_callback:
            fields["status_callback"] = self._status_callback
        try:
            message = self._client.messages.create(**fields)
        except (TwilioRestException, TwilioServiceException) as exc:
            return _refused_or_raise(exc)
        except requests.RequestException as exc:  # timeouts and refused connections
            raise TransientSendError(f"no answer from Twilio: {type(exc).__name__}") from exc
        if message.error_code:
            reason = f"{message.error_code} {message.error_message or ''}".strip()
            return SendResult(
                accepted=False, provider_id=message.sid, status=str(message.status), reason=reason
            )
        return SendResult(accepted=True, provider_id=message.sid, status=str(message.status))


def _matching(messages: Iterable[MessageInstance], body: str, after: dt.datetime) -> str | None:
    for message in messages:
        created = message.date_created
        outbound = str(message.direction or "").startswith("outbound")
        if outbound and message.body == body and (created is None or created >= after):
            return str(message.sid)
    return None


def _refused_or_raise(exc: TwilioRestException | TwilioServiceException) -> SendResult:
    """Throttles and outages raise ``TransientSendError``; any other 4xx is a refusal with its code."""
    if isinstance(exc, TwilioRestException):
        message = str(exc.msg).removeprefix("Unable to create record: ")
    else:
        message = exc.detail or exc.title
    reason = f"{exc.code} {message}".strip()
    if exc.status == 429 or exc.status >= 500:
        raise TransientSendError(f"HTTP {exc.status}: {reason}") from exc
    return SendResult(accepted=False, status=f"HTTP {exc.status}", reason=reason)


def whatsapp_address(phone: str) -> str:
    """``+2547...`` as Twilio's WhatsApp address ``whatsapp:+2547...`` (unchanged if already one)."""
    return phone if phone.startswith(WHATSAPP) else WHATSAPP + phone


def _strip_channel(address: str) -> tuple[str, str]:
    if address.startswith(WHATSAPP):
        return "whatsapp", address.removeprefix(WHATSAPP)
    return "sms", address


def parse_status_callback(form: Mapping[str, str]) -> DeliveryUpdate:
    """A status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``...) as a ``DeliveryUpdate``."""
    raw = form.get("MessageStatus") or form.get("SmsStatus")
    if not raw or raw not in STATUSES:
        raise MalformedCallback(f"unknown or missing MessageStatus {raw!r}")
    code = optional(form, "ErrorCode")
    message = optional(form, "ErrorMessage")
    reason = " ".join(part for part in (code, message) if part) or None
    if reason is None and raw in ("partially_delivered", "canceled"):
        reason = raw
    return DeliveryUpdate(
        provider=PROVIDER, provider_id=required(form, "MessageSid"), status=STATUSES[raw], reason=reason
    )


def parse_inbound(form: Mapping[str, str]) -> IncomingMessage:
    """An inbound SMS or WhatsApp webhook (``From``, ``To``, ``Body``, ``MessageSid``, ``ButtonPayload``)."""
    channel, phone = _strip_channel(required(form, "From"))
    _, to = _strip_channel(required(form, "To"))
    return IncomingMessage(
        provider=PROVIDER,
        provider_id=required(form, "MessageSid"),
        phone=phone,
        text=str(form.get("Body") or ""),
        to=to,
        received_at=None,  # Twilio's inbound webhook carries no timestamp: the receiver's clock decides
        channel=channel,
        # A reply button's id, or a list-picker item's (``ListId``): what the tap means.
        button_payload=optional(form, "ButtonPayload") or optional(form, "ListId"),
    )


def verify_signature(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    """Whether ``signature`` (X-Twilio-Signature) signs ``url`` and every param of ``form``.

    ``url`` must be the URL exactly as Twilio called it (our public URL, with the query string). A missing
    signature fails. Pass a multi-valued form (Starlette ``FormData``) as is.
    """
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, form, signature))
