"""A school's Daraja credentials: sealed when stored, opened only for the call that needs them.

A school without its own credentials uses Safaricom's published sandbox values (with its Paybill as the
shortcode) only while Karo talks to a local Daraja simulator: the demo and the tests need nothing set. Against
a real Daraja (production or Safaricom's sandbox, which know nothing of those values) such a school has no
Daraja app: ``can_prompt`` says so, and parents are shown its Paybill instead of an M-Pesa prompt.
"""

from __future__ import annotations

from urllib.parse import urlparse

from bot.crypto import SecretBox
from ledger.records.tables import School
from providers.daraja_types import Shortcode

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SANDBOX_SHORTCODE = "174379"
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
# The local simulator's convention for an app's keys (providers.simulators.daraja): the demo sets nothing.
SANDBOX_CONSUMER_KEY = "sim-key-{shortcode}"
SANDBOX_CONSUMER_SECRET = "sim-secret"


class NoCredentials(Exception):
    """The school has no Daraja credentials, and a real Daraja has no defaults."""


def store_credentials(school: School, creds: Shortcode, box: SecretBox) -> None:
    """Keep the shortcode in clear (it is the public Paybill) and the secrets sealed."""
    school.daraja_shortcode = creds.shortcode
    school.daraja_passkey_sealed = box.seal(creds.passkey)
    school.daraja_consumer_key_sealed = box.seal(creds.consumer_key)
    school.daraja_consumer_secret_sealed = box.seal(creds.consumer_secret)
    if not school.paybill:
        school.paybill = creds.shortcode


def is_simulator(daraja_api_url: str | None) -> bool:
    """Whether Daraja is a local simulator (or none at all: requests are then recorded and wait)."""
    return daraja_api_url is None or urlparse(daraja_api_url).hostname in LOCAL_HOSTS


def _sealed(school: School) -> tuple[str | None, str | None, str | None]:
    return (
        school.daraja_passkey_sealed,
        school.daraja_consumer_key_sealed,
        school.daraja_consumer_secret_sealed,
    )


def has_own_app(school: School) -> bool:
    """Whether the school's own Daraja app is stored (``karo school mpesa``)."""
    return bool(school.daraja_shortcode) and all(_sealed(school))


def can_prompt(school: School, daraja_api_url: str | None) -> bool:
    """Whether an STK prompt for this school could be pushed: from its stored row, without opening secrets
    or calling Daraja, so that a parent's hop can ask."""
    return has_own_app(school) or (is_simulator(daraja_api_url) and bool(school.paybill))


def credentials_for(school: School, box: SecretBox | None, daraja_api_url: str | None) -> Shortcode:
    """The school's own credentials, opened; else the simulator's; ``NoCredentials`` against a real Daraja.

    Raises ``bot.crypto.SecretKeyMissing`` / ``CannotOpen`` when sealed values cannot be opened.
    """
    if has_own_app(school):
        if box is None:
            SecretBox(None)  # raises SecretKeyMissing, naming the setting
        assert box is not None and school.daraja_shortcode
        passkey, key, secret = (box.open(value) for value in _sealed(school) if value)
        return Shortcode(school.daraja_shortcode, passkey, key, secret)
    if not is_simulator(daraja_api_url):
        raise NoCredentials(f"{school.slug} has no Daraja credentials (karo school mpesa --school ...)")
    shortcode = school.daraja_shortcode or school.paybill or SANDBOX_SHORTCODE
    key = SANDBOX_CONSUMER_KEY.format(shortcode=shortcode)
    return Shortcode(shortcode, SANDBOX_PASSKEY, key, SANDBOX_CONSUMER_SECRET)
