"""The contract every messaging adapter keeps: send one message, and say how it went.

A send either returns a ``SendResult`` (accepted, or refused for good with the provider's reason) or
raises ``TransientSendError`` (timeouts, 429, 5xx: worth retrying later). Nothing here knows the outbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, Protocol


class TransientSendError(Exception):
    """The provider could not take the message now (timeout, throttled, server error): try again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class SendResult:
    accepted: bool
    provider_id: str | None = None  # the provider's message id, to match delivery reports
    status: str = ""  # the provider's word for it, e.g. "Success", "queued", "InvalidSenderId"
    reason: str | None = None  # why it was refused, in the provider's words (with its code)


class SmsSender(Protocol):
    def send_sms(self, to: str, body: str, *, sender_id: str | None = None) -> SendResult:
        """Send ``body`` to one E.164 number."""
        ...


@dataclass(frozen=True)
class Choice:
    """One list item or reply button: ``id`` comes back when it is tapped, ``title`` is what it shows."""

    id: str
    title: str
    description: str = ""  # list items only


@dataclass(frozen=True)
class Interactive:
    """A WhatsApp menu to tap: a list (``button`` opens it; up to 10 items) or up to 3 reply buttons."""

    kind: Literal["list", "buttons"]
    body: str
    choices: tuple[Choice, ...]
    button: str = ""  # the list's opening button

    def to_json(self) -> str:
        choices = [[c.id, c.title, c.description] for c in self.choices]
        return json.dumps({"kind": self.kind, "body": self.body, "button": self.button, "choices": choices})

    @classmethod
    def from_json(cls, raw: str) -> Interactive:
        data = json.loads(raw)
        choices = tuple(Choice(*choice) for choice in data["choices"])
        return cls(data["kind"], data["body"], choices, data.get("button", ""))


class WhatsAppSender(Protocol):
    def send_whatsapp(
        self, to: str, body: str, *, media_url: str | None = None, sender: str | None = None
    ) -> SendResult:
        """Free-form text: only inside the 24-hour window since the parent's last message. ``media_url``:
        a document (a PDF) the provider fetches from that public URL and sends along. ``sender``: a
        school's own WhatsApp number instead of the deployment's."""
        ...

    def send_template(
        self, to: str, template_id: str, variables: dict[str, str], *, sender: str | None = None
    ) -> SendResult:
        """An approved template (Twilio ContentSid): allowed outside the window."""
        ...

    def send_interactive(
        self, to: str, menu: Interactive, fallback: str, *, sender: str | None = None
    ) -> SendResult:
        """A list or reply buttons, inside the window; ``fallback`` (the numbered text) where the provider
        cannot make the interactive message. ``sender`` as for ``send_whatsapp``."""
        ...


@dataclass(frozen=True)
class DeliveryUpdate:
    """A delivery report or status callback, normalised across providers."""

    provider: str  # "africastalking" or "twilio"
    provider_id: str
    status: str  # one of: sent, delivered, failed, undelivered, read
    reason: str | None = None  # the provider's failure reason or error code
