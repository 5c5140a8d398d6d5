"""What the Daraja simulator checks in a request, as Safaricom does: each rule raises a ``Refusal`` with the
errorCode and message a client would really get (``400.002.02 Bad Request - Invalid X``, ``500.001.1001
Wrong credentials``, ``400.003.02 ... URL has the word MPESA``...)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from providers.simulators.daraja_wire import BUSY, Refusal

BAD = "400.002.02"
FORBIDDEN_WORDS = ("mpesa", "safaricom", "exec", "exe", "cmd", "sql", "query")
TRANSACTION_TYPES = ("CustomerPayBillOnline", "CustomerBuyGoodsOnline")
RESPONSE_TYPES = ("Completed", "Cancelled")
PHONE = re.compile(r"^254[17]\d{8}$")
URL = re.compile(r"^https?://[^/\s?#]+(/\S*)?$")


@dataclass(frozen=True)
class Merchant:
    """One shortcode's settings in ``DarajaConfig.shortcodes``."""

    shortcode: str
    passkey: str
    consumer_key: str
    consumer_secret: str
    validation: bool = False  # C2B validation enabled (Safaricom turns it on by email)


def merchants(shortcodes: dict[str, Any]) -> dict[str, Merchant]:
    """``{"174379": {"passkey", "consumer_key", "consumer_secret", "validation"?}}`` as ``Merchant``s."""
    found = {}
    for shortcode, entry in shortcodes.items():
        if not isinstance(entry, dict) or not {"passkey", "consumer_key", "consumer_secret"} <= set(entry):
            raise ValueError(f"shortcode {shortcode} needs passkey, consumer_key and consumer_secret")
        found[str(shortcode)] = Merchant(
            str(shortcode),
            str(entry["passkey"]),
            str(entry["consumer_key"]),
            str(entry["consumer_secret"]),
            bool(entry.get("validation", False)),
        )
    keys = [m.consumer_key for m in found.values()]
    if len(set(keys)) != len(keys):
        raise ValueError("each shortcode needs its own consumer_key")
    return found


def merchant(known: dict[str, Merchant], value: Any, field: str = "BusinessShortCode") -> Merchant:
    if value is None or str(value) == "":
        raise Refusal(BAD, f"Bad Request - Invalid {field}")
    found = known.get(str(value))
    if found is None:
        raise Refusal(BUSY, "Merchant does not exist")
    return found


def check_credentials(body: dict[str, Any], merchant: Merchant) -> None:
    """Timestamp is YYYYMMDDHHmmss; Password is base64(shortcode + passkey + that Timestamp)."""
    timestamp = str(body.get("Timestamp") or "")
    try:
        if len(timestamp) != 14:
            raise ValueError(timestamp)
        dt.datetime.strptime(timestamp, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise Refusal(BAD, "Bad Request - Invalid Timestamp") from exc
    expected = base64.b64encode(f"{merchant.shortcode}{merchant.passkey}{timestamp}".encode()).decode()
    if not secrets.compare_digest(str(body.get("Password") or ""), expected):
        raise Refusal(BUSY, "Wrong credentials")


def check_push(body: dict[str, Any], merchant: Merchant) -> dict[str, Any]:
    """The STK push's fields, checked; what the prompt needs of them."""
    check_credentials(body, merchant)
    if body.get("TransactionType") not in TRANSACTION_TYPES:
        raise Refusal(BAD, "Bad Request - Invalid TransactionType")
    amount = whole_amount(body.get("Amount"))
    phone(body.get("PartyA"), "PartyA")
    reference = str(body.get("AccountReference") or "")
    if not 1 <= len(reference) <= 12:
        raise Refusal(BAD, "Bad Request - Invalid AccountReference")
    description = str(body.get("TransactionDesc") or "")
    if len(description) > 13:
        raise Refusal(BAD, "Bad Request - Invalid TransactionDesc")
    return {
        "phone": phone(body.get("PhoneNumber"), "PhoneNumber"),
        "amount": amount,
        "account_reference": reference,
        "description": description,
        "callback_url": url(body.get("CallBackURL"), "CallBackURL"),
        "party_b": str(body.get("PartyB") or ""),
    }


def check_registration(body: dict[str, Any], production: bool, registered: bool) -> dict[str, str]:
    """A C2B URL registration's ResponseType and URLs; the second one in production mode is refused."""
    if body.get("ResponseType") not in RESPONSE_TYPES:
        raise Refusal(BAD, "Bad Request - Invalid ResponseType")
    checked = {
        "response_type": str(body["ResponseType"]),
        "confirmation_url": url(body.get("ConfirmationURL"), "ConfirmationURL"),
        "validation_url": url(body.get("ValidationURL"), "ValidationURL"),
    }
    if production and registered:
        raise Refusal("500.003.1001", "Urls are already registered")
    return checked


def whole_amount(value: Any) -> int:
    """Whole shillings 1..250,000, as a JSON integer or a string of digits; floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise Refusal(BAD, "Bad Request - Invalid Amount")
    amount = int(str(value).strip())
    if not 1 <= amount <= 250_000:
        raise Refusal(BAD, "Bad Request - Invalid Amount")
    return amount


def phone(value: Any, field: str) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not PHONE.match(text):
        raise Refusal(BAD, f"Bad Request - Invalid {field}")
    return text


def url(value: Any, field: str) -> str:
    """An http(s) URL without spaces and without Safaricom's forbidden words (in any case or spelling)."""
    if not isinstance(value, str) or not URL.match(value):
        raise Refusal(BAD, f"Bad Request - Invalid {field}")
    folded = value.lower().replace("-", "").replace("_", "")
    for word in FORBIDDEN_WORDS:
        if word in folded:
            raise Refusal("400.003.02", f"Bad Request - Invalid {field} - URL has the word {word.upper()}")
    return value
