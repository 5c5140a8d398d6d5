"""Public links to a receipt's PDF, signed and expiring: what WhatsApp (Twilio) fetches to send it.

``GET /receipts/{link}.pdf`` asks for no sign-in, so the token is the whole key:
``{payment}.{expiry}.{mac}``, the mac an HMAC-SHA256 over the payment id and the expiry (Unix seconds)
with a key derived for this purpose from ``KARO_SECRET_KEY`` (``bot.crypto.derived_key``). Payment ids are
guessable; the mac is not, and a token whose mac, payment or expiry was changed, or that has expired,
opens nothing. Without a secret key (the demo) the webhook token, also a secret every process of the
deployment shares, stands in for it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable

from pydantic import SecretStr

from bot.crypto import derived_key
from bot.settings import Settings
from ledger.clock import utc_now

PURPOSE = "receipt-links"
PATH = "/receipts/{link}.pdf"  # not {token}: that names the webhook token in Karo's routes
# Long enough for the outbox's retries (about two hours) and Twilio's own queue (up to four), short enough
# that a forwarded link soon stops working.
LIFETIME = dt.timedelta(hours=48)
_TOKEN = re.compile(r"([0-9]{1,12})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


class ReceiptLinks:
    """Makes (``url``) and opens (``payment_of``) receipt links with one key; ``public_url``: where the
    internet reaches Karo (None: links can be checked here but not handed out)."""

    def __init__(
        self, key: bytes, public_url: str | None, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._key, self.public_url, self.clock = key, public_url, clock

    def token(self, payment_id: int, expires: dt.datetime) -> str:
        stamp = int(expires.timestamp())
        return f"{payment_id}.{stamp}.{self._mac(payment_id, stamp)}"

    def url(self, payment_id: int) -> str | None:
        """The link to the payment's receipt, valid for ``LIFETIME``; None without a public URL."""
        if not self.public_url:
            return None
        token = self.token(payment_id, self.clock() + LIFETIME)
        return self.public_url.rstrip("/") + PATH.format(link=token)

    def payment_of(self, token: str) -> int | None:
        """The payment a genuine, unexpired token opens; None for anything else."""
        found = _TOKEN.fullmatch(token)
        if found is None:
            return None
        payment_id, stamp, mac = int(found[1]), int(found[2]), found[3]
        if not hmac.compare_digest(mac, self._mac(payment_id, stamp)):
            return None
        return payment_id if self.clock().timestamp() < stamp else None

    def _mac(self, payment_id: int, stamp: int) -> str:
        digest = hmac.new(self._key, f"{payment_id}.{stamp}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def receipt_links(settings: Settings, clock: Callable[[], dt.datetime] = utc_now) -> ReceiptLinks | None:
    """Links keyed from the deployment's secret; None when it has none (no link is made or opened)."""
    secret: SecretStr | None = settings.secret_key or settings.webhook_token
    if not secret:
        return None
    return ReceiptLinks(derived_key(secret, PURPOSE), settings.public_url, clock)
