"""A school's Daraja credentials: sealed when stored, opened only for the call that needs them.

A school without its own credentials uses Safaricom's published sandbox values (with its Paybill as the
shortcode) as long as Karo is not talking to production Daraja: the demo and the simulator need nothing set.
"""

from __future__ import annotations

from urllib.parse import urlparse

from bot.crypto import SecretBox
from ledger.records import School
from providers.daraja_types import Shortcode

PRODUCTION_HOST = "api.safaricom.co.ke"
SANDBOX_SHORTCODE = "174379"
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
# The local simulator's convention for an app's keys (providers.simulators.daraja): the demo sets nothing.
SANDBOX_CONSUMER_KEY = "sim-key-{shortcode}"
SANDBOX_CONSUMER_SECRET = "sim-secret"


class NoCredentials(Exception):
    """The school has no Daraja credentials, and production Daraja has no defaults."""


def store_credentials(school: School, creds: Shortcode, box: SecretBox) -> None:
    """Keep the shortcode in clear (it is the public Paybill) and the secrets sealed."""
    school.daraja_shortcode = creds.shortcode
    school.daraja_passkey_sealed = box.seal(creds.passkey)
    school.daraja_consumer_key_sealed = box.seal(creds.consumer_key)
    school.daraja_consumer_secret_sealed = box.seal(creds.consumer_secret)
    if not school.paybill:
        school.paybill = creds.shortcode


def is_production(daraja_api_url: str | None) -> bool:
    return daraja_api_url is not None and urlparse(daraja_api_url).hostname == PRODUCTION_HOST


def credentials_for(school: School, box: SecretBox | None, daraja_api_url: str | None) -> Shortcode:
    """The school's own credentials, opened; else the sandbox's; ``NoCredentials`` against production.

    Raises ``bot.crypto.SecretKeyMissing`` / ``CannotOpen`` when sealed values cannot be opened.
    """
    sealed = (
        school.daraja_passkey_sealed,
        school.daraja_consumer_key_sealed,
        school.daraja_consumer_secret_sealed,
    )
    if all(sealed) and school.daraja_shortcode:
        if box is None:
            SecretBox(None)  # raises SecretKeyMissing, naming the setting
        assert box is not None
        passkey, key, secret = (box.open(value) for value in sealed if value)
        return Shortcode(school.daraja_shortcode, passkey, key, secret)
    if is_production(daraja_api_url):
        raise NoCredentials(f"{school.slug} has no Daraja credentials (karo school mpesa --school ...)")
    shortcode = school.daraja_shortcode or school.paybill or SANDBOX_SHORTCODE
    key = SANDBOX_CONSUMER_KEY.format(shortcode=shortcode)
    return Shortcode(shortcode, SANDBOX_PASSKEY, key, SANDBOX_CONSUMER_SECRET)
