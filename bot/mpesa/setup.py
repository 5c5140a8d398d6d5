"""Setting a school up for M-Pesa: its Daraja credentials (sealed) and its Paybill's C2B URLs."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.crypto import SecretBox
from bot.mpesa.compose import credentials_opener, daraja_gateway
from bot.mpesa.credentials import store_credentials
from bot.settings import Settings
from ledger.records.tables import School
from providers.daraja_types import Shortcode


class CannotRegister(Exception):
    """The C2B URLs cannot be registered from this deployment's settings."""


def save_credentials(school: School, creds: Shortcode, settings: Settings) -> None:
    """Seal and keep a school's credentials (``bot.crypto.SecretKeyMissing`` without KARO_SECRET_KEY)."""
    store_credentials(school, creds, SecretBox(settings.secret_key))


def c2b_urls(settings: Settings) -> tuple[str, str]:
    """(confirmation, validation) URLs under KARO_PUBLIC_URL, with the webhook token as their secret."""
    if not settings.public_url or not settings.webhook_token:
        raise CannotRegister("set KARO_PUBLIC_URL and KARO_WEBHOOK_TOKEN first")
    base = f"{settings.public_url}/daraja/c2b"
    token = settings.webhook_token.get_secret_value()
    return f"{base}/confirm/{token}", f"{base}/validate/{token}"


def register_paybill(services: Services, school: School) -> tuple[str, str]:
    """Tell Daraja where this school's Paybill payments are confirmed and validated; returns the URLs.

    The default action when our validation URL does not answer is "Completed": the money has left the
    parent's account by then in spirit, and an unknown account lands in suspense rather than bouncing.
    """
    gateway = daraja_gateway(services)
    if gateway is None:
        raise CannotRegister("set KARO_DARAJA_API_URL first")
    confirmation, validation = c2b_urls(services.settings)
    creds = credentials_opener(services.settings)(school)
    gateway.register_c2b_urls(creds, confirmation_url=confirmation, validation_url=validation)
    return confirmation, validation
