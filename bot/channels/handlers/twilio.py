"""Twilio SMS and Twilio WhatsApp: webhooks signed with X-Twilio-Signature over the public URL; one
client (``providers.twilio.TwilioMessaging``) sends both, and lists what it sent (for recovery)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from bot.channels.handlers.base import Outgoing, SmsHandler, WhatsAppHandler
from bot.routes.edge import Unusable, parse_form, read_body
from bot.routes.webhook_fields import TWILIO_MESSAGE, TWILIO_STATUS
from bot.settings import Settings
from providers import twilio


class _TwilioWebhooks:
    """What Twilio's webhooks share, whichever channel they are for."""

    provider = twilio.PROVIDER
    receive_rules, status_rules = TWILIO_MESSAGE, TWILIO_STATUS

    # Nothing to reply in the webhook's answer: Karo's replies travel through the outbox.
    received = staticmethod(lambda: Response(twilio.EMPTY_TWIML, media_type="application/xml"))
    status_taken = staticmethod(lambda: Response(status_code=204))

    @staticmethod
    async def verify(request: Request, settings: Settings) -> bool:
        """X-Twilio-Signature over the URL as Twilio called it (our public URL, the path and the query) and
        every form field; without a Twilio auth token and public URL nothing is verified."""
        if not settings.twilio_auth_token or not settings.public_url:
            return False
        try:
            form = await parse_form(request, await read_body(request))
        except Unusable:
            return False
        query = f"?{request.url.query}" if request.url.query else ""
        url = settings.public_url + request.url.path + query
        signature = request.headers.get("X-Twilio-Signature")
        return twilio.verify_signature(settings.twilio_auth_token.get_secret_value(), url, form, signature)

    receive = staticmethod(twilio.parse_inbound)  # the form as an ``IncomingMessage``
    status = staticmethod(twilio.parse_status_callback)  # a status callback as a ``DeliveryUpdate``


class TwilioSmsHandler(_TwilioWebhooks, SmsHandler):
    def schools_sender(self, message: Outgoing) -> str | None:
        return message.twilio_sms_from  # a school's own Twilio number sends its messages


class TwilioWhatsAppHandler(_TwilioWebhooks, WhatsAppHandler):
    pass
