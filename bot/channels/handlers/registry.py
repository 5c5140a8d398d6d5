"""The one place provider channels are registered: which handler answers each webhook, and which send.

Africa's Talking for SMS when configured (else Twilio SMS); Twilio for WhatsApp when configured; SMTP for
email when ``KARO_SMTP_URL`` is set (else no email channel: guardians who prefer it get SMS). Adding a
provider is adding its handler (``bot.channels.handlers``) and its lines here.
"""

from __future__ import annotations

import logging
from functools import cache

from bot.channels.handlers.africastalking import AfricasTalkingSmsHandler
from bot.channels.handlers.base import ChannelHandler, Registry
from bot.channels.handlers.email import EmailHandler
from bot.channels.handlers.twilio import TwilioSmsHandler, TwilioWhatsAppHandler
from bot.outbox.dispatcher import SEND_TIMEOUT
from bot.settings import Settings
from providers.africastalking import AfricasTalkingSms
from providers.email import SmtpMailer, SmtpServer
from providers.twilio import TwilioMessaging

log = logging.getLogger(__name__)

# Each SMS/WhatsApp webhook's path (README "Webhooks": outside checks rely on them), its handler, and its
# job: "receive" a message or take a "status". A path with ``{token}`` goes on the token-checked router.
WEBHOOKS: tuple[tuple[str, type[ChannelHandler], str], ...] = (
    ("/at/sms/{token}", AfricasTalkingSmsHandler, "receive"),
    ("/twilio/whatsapp", TwilioWhatsAppHandler, "receive"),
    ("/twilio/sms", TwilioSmsHandler, "receive"),
    ("/at/sms-status/{token}", AfricasTalkingSmsHandler, "status"),
    ("/twilio/status", TwilioSmsHandler, "status"),  # one status callback for Twilio SMS and WhatsApp
)


class ProvidersNotConfigured(Exception):
    """No SMS provider is set (KARO_AT_* or KARO_TWILIO_*), so nothing can be sent."""


def registry_from(settings: Settings) -> Registry:
    handlers: list[ChannelHandler] = []
    client = _twilio_client(settings)
    if client is not None:
        handlers.append(TwilioWhatsAppHandler(client))
    if settings.at_username and settings.at_api_key:
        at = AfricasTalkingSms(
            settings.at_username,
            settings.at_api_key.get_secret_value(),
            settings.at_api_url,
            timeout=(3.05, SEND_TIMEOUT),
        )
        handlers.append(AfricasTalkingSmsHandler(at))
    elif client is not None and settings.twilio_sms_from:
        handlers.append(TwilioSmsHandler(client))
    else:
        raise ProvidersNotConfigured("set KARO_AT_USERNAME and KARO_AT_API_KEY (or Twilio's) to send")
    if settings.smtp_url and settings.email_from:  # sends_email, spelled out for mypy
        mailer = SmtpMailer(SmtpServer.from_url(settings.smtp_url), settings.email_from, timeout=SEND_TIMEOUT)
        handlers.append(EmailHandler(mailer))
    else:
        _warn_no_email()
    return Registry(handlers)


def sends_email(settings: Settings) -> bool:
    """Whether an email channel is registered (SMTP is configured); without it email preferences get SMS."""
    return bool(settings.smtp_url and settings.email_from)


def sends_whatsapp(settings: Settings) -> bool:
    """Whether a WhatsApp channel is registered (Twilio is configured); without it everything goes by SMS."""
    return bool(settings.twilio_account_sid and settings.twilio_auth_token)


@cache  # once per process, however many dispatchers it builds
def _warn_no_email() -> None:
    log.warning("KARO_SMTP_URL is not set: no email channel; guardians who prefer email are sent SMS")


def _twilio_client(settings: Settings) -> TwilioMessaging | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return TwilioMessaging(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        settings.twilio_api_url,
        sms_from=settings.twilio_sms_from,
        whatsapp_from=settings.twilio_whatsapp_from,
        timeout=SEND_TIMEOUT,
        callback_base_url=settings.public_url,
    )
