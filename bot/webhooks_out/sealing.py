"""The endpoints' signing secrets at rest: sealed with a key derived from KARO_SECRET_KEY for this purpose
alone (``bot.crypto``); the demo, which may run without one, derives it from its webhook token instead."""

from __future__ import annotations

from bot.crypto import SecretBox, SecretKeyMissing
from bot.settings import Settings

PURPOSE = "webhook-secrets"


class NoSealingKey(Exception):
    """Neither KARO_SECRET_KEY nor KARO_WEBHOOK_TOKEN is set: no endpoint secret can be kept or read."""


def webhook_box(settings: Settings) -> SecretBox:
    try:
        return SecretBox(settings.secret_key or settings.webhook_token, PURPOSE)
    except SecretKeyMissing:
        raise NoSealingKey("KARO_SECRET_KEY is not set: it protects the webhook endpoints' secrets") from None
