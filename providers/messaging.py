"""The contract every messaging adapter keeps: send one message, and say how it went.

A send either returns a ``SendResult`` (accepted, or refused for good with the provider's reason) or
raises ``TransientSendError`` (timeouts, 429, 5xx: worth retrying later). Nothing here knows the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


@dataclass(frozen=True)
class DeliveryUpdate:
    """A delivery report or status callback, normalised across providers."""

    provider: str  # "africastalking" or "twilio"
    provider_id: str
    status: str  # one of: sent, delivered, failed, undelivered, read
    reason: str | None = None  # the provider's failure reason or error code
