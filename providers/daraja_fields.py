"""The fields Daraja is strict about, checked before any request leaves: a bad value raises ``ValueError``
here instead of a vague 400, a prompt that never arrives, or a ResultCode 1025 minutes later.

Also the Password/Timestamp pair, which must be made from the same Nairobi-time instant.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

# Daraja stamps its times in Nairobi; providers may not import the ledger, so not ledger.clock.
NAIROBI = ZoneInfo("Africa/Nairobi")
MIN_AMOUNT, MAX_AMOUNT = 1, 250_000
MAX_ACCOUNT_REFERENCE = 12
MAX_DESCRIPTION = 13
DEFAULT_DESCRIPTION = "School fees"
# Safaricom refuses callback, confirmation and validation URLs containing any of these, in any case
# (400.003.02 "URL has the word MPESA"); "m-pesa" and "m_pesa" count as "mpesa".
FORBIDDEN_URL_WORDS = ("mpesa", "safaricom", "sql", "query", "exe", "cmd")
RESPONSE_TYPES = ("Completed", "Cancelled")
MSISDN = re.compile(r"^254[17]\d{8}$")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]")  # applied after upper-casing
_NOT_DESCRIPTION = re.compile(r"[^A-Za-z0-9 ]")
_URL = re.compile(r"^https?://[^/\s?#]+(/\S*)?$")


def nairobi_timestamp(now: dt.datetime) -> str:
    """``YYYYMMDDHHmmss`` in Africa/Nairobi time (a naive ``now`` is taken as already in Nairobi time)."""
    local = now.astimezone(NAIROBI) if now.tzinfo else now
    return local.strftime("%Y%m%d%H%M%S")


def stk_password(shortcode: str, passkey: str, timestamp: str) -> str:
    """``base64(shortcode + passkey + timestamp)``: the same shortcode and timestamp as sent in the body."""
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode()


def whole_shillings(amount: object) -> int:
    """``amount`` as an integer number of KES within 1..250,000, or ``ValueError`` (fractions included)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        raise ValueError(f"amount must be a whole number of shillings, not {amount!r}")
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"amount {amount!r} is not a number") from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"amount {amount!r} is not a whole number of shillings")
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise ValueError(f"amount {amount!r} is outside M-Pesa's KES {MIN_AMOUNT}..{MAX_AMOUNT:,}")
    return int(value)


def msisdn(phone: str) -> str:
    """``phone`` if it is a Safaricom MSISDN as Daraja wants it (2547XXXXXXXX / 2541XXXXXXXX)."""
    if not isinstance(phone, str) or not MSISDN.match(phone):
        raise ValueError(f"phone {phone!r} is not 2547XXXXXXXX or 2541XXXXXXXX")
    return phone


def account_reference(admission_number: str) -> str:
    """The admission number as ledger.admission keys it (upper case, letters and digits only; the providers
    may not import the ledger, so a test holds the two equal); at most 12 characters."""
    reference = _NOT_ALPHANUMERIC.sub("", (admission_number or "").upper())
    if not reference:
        raise ValueError(f"account reference {admission_number!r} has no letters or digits")
    if len(reference) > MAX_ACCOUNT_REFERENCE:
        raise ValueError(f"account reference {reference!r} is longer than {MAX_ACCOUNT_REFERENCE} characters")
    return reference


def transaction_description(text: str) -> str:
    """Letters, digits and single spaces only (``@ # &`` break requests), cut to 13 characters."""
    cleaned = " ".join(_NOT_DESCRIPTION.sub("", text or "").split())
    return cleaned[:MAX_DESCRIPTION].rstrip() or DEFAULT_DESCRIPTION


def callback_url(url: str, field: str = "CallBackURL") -> str:
    """``url`` if Daraja will take it: http(s), no spaces, none of the forbidden words in any case."""
    if not isinstance(url, str) or not _URL.match(url):
        raise ValueError(f"{field} {url!r} is not an http(s) URL without spaces")
    folded = url.lower().replace("-", "").replace("_", "")
    for word in FORBIDDEN_URL_WORDS:
        if word in folded:
            raise ValueError(f"{field} {url!r} contains {word!r}, which Daraja refuses (400.003.02)")
    return url


def response_type(value: str) -> str:
    """``Completed`` or ``Cancelled``, exactly: what M-Pesa does when the validation URL does not answer."""
    if value not in RESPONSE_TYPES:
        raise ValueError(f"ResponseType must be 'Completed' or 'Cancelled', not {value!r}")
    return value
