"""Twilio SMS and Twilio WhatsApp: webhooks signed with X-Twilio-Signature over the public URL; one
client (``providers.twilio.TwilioMessaging``) sends both, and lists what it sent (for recovery)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.handlers.base import SmsHandler, WhatsAppHandler
from bot.routes.webhook_fields import TWILIO_MESSAGE, TWILIO_STATUS
from providers import twilio


class _TwilioWebhooks:
    """What Twilio's webhooks share, whichever channel they are for."""

    provider = twilio.PROVIDER
    receive_rules, status_rules = TWILIO_MESSAGE, TWILIO_STATUS

    @staticmethod
    def verify(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
        """``url`` exactly as Twilio called it: our public URL, the path and the query string."""
        return twilio.verify_signature(auth_token, url, form, signature)

    receive = staticmethod(twilio.parse_inbound)  # the form as an ``IncomingMessage``
    status = staticmethod(twilio.parse_status_callback)  # a status callback as a ``DeliveryUpdate``


class TwilioSmsHandler(_TwilioWebhooks, SmsHandler):
    pass


class TwilioWhatsAppHandler(_TwilioWebhooks, WhatsAppHandler):
    pass
