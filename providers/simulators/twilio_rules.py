"""The Twilio Messages API rules the simulator enforces: request validation with Twilio's error codes, and
what becomes of an accepted message (its status callbacks, including 63016 outside the WhatsApp window)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PHONE = re.compile(r"^\+\d{8,15}$")
WHATSAPP = "whatsapp:"
ERRORS = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21620: "Invalid media URL(s)",
    21623: "Number of media files exceeds allowed limit",
    21655: "The ContentSid is Invalid.",
    21656: "The ContentVariables Parameter is invalid.",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    30003: "Unreachable destination handset",
    63007: "Twilio could not find a Channel with the specified From address",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
}
HTTP_CODES = {429: 20429, 500: 20500, 503: 20503, 401: 20003}
MAX_MEDIA = 10  # MediaUrl values in one message


class Refusal(Exception):
    """A request Twilio answers with an error document instead of a message."""

    def __init__(self, status: int, code: int, message: str | None = None) -> None:
        super().__init__(message or ERRORS.get(code, "Error"))
        self.status, self.code, self.message = status, code, message or ERRORS.get(code, "Error")

    def document(self) -> dict[str, Any]:
        """Twilio's error JSON: code, message, more_info, status."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def fault_refusal(fault: dict[str, Any]) -> Refusal:
    """A scripted fault (``{"status": 429}``, ``{"status": 400, "code": 21211}``...) as a refusal."""
    status = int(fault["status"])
    code = int(fault.get("code") or HTTP_CODES.get(status, status))
    return Refusal(status, code, fault.get("message"))


def split_channel(address: str) -> tuple[str, str]:
    """``whatsapp:+2547...`` -> ("whatsapp", "+2547..."); ``+2547...`` -> ("sms", "+2547...")."""
    if address.startswith(WHATSAPP):
        return "whatsapp", address.removeprefix(WHATSAPP)
    return "sms", address


def check_request(form: Any, whatsapp_senders: tuple[str, ...], templates: dict[str, bool]) -> None:
    """Raise the ``Refusal`` Twilio would give this Messages.json form, if any."""
    to, sender = str(form.get("To", "")), str(form.get("From", ""))
    to_channel, to_phone = split_channel(to)
    if not PHONE.match(to_phone):
        raise Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not sender and not form.get("MessagingServiceSid"):
        raise Refusal(400, 21603)
    from_channel, from_phone = split_channel(sender)
    if sender and from_channel != to_channel:
        raise Refusal(400, 21910)
    if from_channel == "whatsapp" and from_phone not in whatsapp_senders:  # not a sender of the account
        raise Refusal(400, 63007)
    content_sid = form.get("ContentSid")
    if not form.get("Body") and not content_sid and not form.get("MediaUrl"):
        raise Refusal(400, 21602)
    check_media(media_urls(form))
    if len(str(form.get("Body", ""))) > 1600:
        raise Refusal(400, 21617)
    if content_sid and (
        not str(content_sid).startswith("HX") or (templates and content_sid not in templates)
    ):
        raise Refusal(400, 21655)
    if form.get("ContentVariables") and not _variables_ok(str(form["ContentVariables"])):
        raise Refusal(400, 21656)


def media_urls(form: Any) -> list[str]:
    """Every ``MediaUrl`` of the form (the parameter repeats, one per document), in order."""
    return [str(url) for url in form.getlist("MediaUrl")] if hasattr(form, "getlist") else []


def check_media(urls: list[str]) -> None:
    """Up to ten media, each an absolute http(s) URL Twilio can fetch (it fetches them when it sends)."""
    if len(urls) > MAX_MEDIA:
        raise Refusal(400, 21623)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Refusal(400, 21620, f"Invalid media URL(s): {url}")


def _variables_ok(raw: str) -> bool:
    try:
        variables = json.loads(raw)
    except ValueError:
        return False
    return isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())


@dataclass(frozen=True)
class DeliveryFate:
    """The statuses an accepted message goes through after ``queued`` (no callback is sent for queued)."""

    statuses: tuple[str, ...]
    error_code: int | None = None

    @property
    def final(self) -> str:
        return self.statuses[-1]


def delivery_fate(
    channel: str, approved_template: bool, in_window: bool, undeliverable: bool
) -> DeliveryFate:
    """Free-form WhatsApp (or an unapproved template) outside the window fails with 63016."""
    if channel == "whatsapp" and not in_window and not approved_template:
        return DeliveryFate(("failed",), 63016)
    if undeliverable:
        return DeliveryFate(("sent", "undelivered"), 30003)
    if channel == "whatsapp":
        return DeliveryFate(("sent", "delivered", "read"))
    return DeliveryFate(("sent", "delivered"))


def status_form(
    message: dict[str, Any], status: str, account_sid: str, error_code: int | None
) -> dict[str, str]:
    """A status callback's fields, as Twilio posts them."""
    form = {
        "MessageSid": message["sid"],
        "SmsSid": message["sid"],
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": account_sid,
        "From": message["from"],
        "To": message["to"],
        "ApiVersion": "2010-04-01",
    }
    if status in ("failed", "undelivered") and error_code:
        form["ErrorCode"] = str(error_code)
        form["ErrorMessage"] = ERRORS.get(error_code, "")
    if message["channel"] == "whatsapp":
        form["ChannelPrefix"] = "whatsapp"
        form["ChannelToAddress"] = split_channel(message["to"])[1]
    return form
