"""The signature on every delivery, as the README's recipe checks it (the same scheme as Stripe's):

    Karo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's secret>

The timestamp is signed with the body, so a receiver that refuses old timestamps (5 minutes, say) also
refuses a captured delivery replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE = "Karo-Signature"
EVENT = "Karo-Event"
DELIVERY = "Karo-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
