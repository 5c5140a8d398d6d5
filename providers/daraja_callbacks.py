"""What Daraja POSTs to us, read into the contract's types: the STK callback and the C2B validation or
confirmation. Pure functions of the decoded JSON body; a body we cannot read raises ``MalformedCallback``.

The quirks they absorb: the STK callback's ResultCode is a number (or a code like ``SFC_IC0003``) while the
query's is a string; CallbackMetadata comes only on success, its items looked up by Name, a ``Balance`` item
often without a Value; Amount arrives as 1, 1.0 or 1.00; TransactionDate and PhoneNumber are JSON numbers;
C2B sends everything as strings, TransAmount as ``"5.00"``; every time is Nairobi time without a zone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from providers.daraja_fields import NAIROBI
from providers.daraja_types import C2BPayment, StkCallback
from providers.inbound import MalformedCallback

SUCCESS = "0"


def parse_stk_callback(body: dict[str, Any]) -> StkCallback:
    """``{"Body": {"stkCallback": {...}}}`` as a ``StkCallback``: amount, receipt, phone, time on success."""
    callback = _object(_object(body, "the callback").get("Body"), "Body")
    stk = _object(callback.get("stkCallback"), "Body.stkCallback")
    result_code = _code(stk.get("ResultCode"))
    outcome = StkCallback(
        merchant_request_id=_text(stk, "MerchantRequestID"),
        checkout_request_id=_text(stk, "CheckoutRequestID"),
        result_code=result_code,
        result_desc=str(stk.get("ResultDesc") or ""),
    )
    if result_code != SUCCESS:
        return outcome
    items = _items(stk.get("CallbackMetadata"))
    phone = items.get("PhoneNumber")
    return dataclasses.replace(
        outcome,
        amount=_whole_shillings(_item(items, "Amount")),
        receipt=str(_item(items, "MpesaReceiptNumber")),
        phone=_digits(phone, "PhoneNumber") if phone is not None else None,
        paid_at=_nairobi(_digits(_item(items, "TransactionDate"), "TransactionDate"), "TransactionDate"),
    )


def parse_c2b(body: dict[str, Any]) -> C2BPayment:
    """A C2B validation or confirmation body (v1 hashed or v2 masked MSISDN) as a ``C2BPayment``."""
    payment = _object(body, "the C2B body")
    return C2BPayment(
        trans_id=_text(payment, "TransID"),
        trans_time=_nairobi(_text(payment, "TransTime"), "TransTime"),
        amount_cents=_cents(_text(payment, "TransAmount")),
        bill_ref=_text(payment, "BillRefNumber", allow_empty=True),
        shortcode=_text(payment, "BusinessShortCode"),
        msisdn=_text(payment, "MSISDN", allow_empty=True),
        first_name=_text(payment, "FirstName", allow_empty=True, default=""),
    )


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedCallback(f"{where} is not a JSON object")
    return value


def _text(
    body: Mapping[str, Any], name: str, *, allow_empty: bool = False, default: str | None = None
) -> str:
    """A string field (a number is taken as its text); missing, null or (unless allowed) empty: malformed."""
    value = body.get(name)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MalformedCallback(f"missing field {name!r}")
    text = str(value).strip()
    if not text and not allow_empty:
        raise MalformedCallback(f"empty field {name!r}")
    return text


def _code(value: Any) -> str:
    """ResultCode as text: ``0``, ``"0"`` and ``0.0`` are all ``"0"``; ``"SFC_IC0003"`` stays as it is."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise MalformedCallback(f"missing or unreadable ResultCode {value!r}")
    return str(value).strip()


def _items(metadata: Any) -> dict[str, Any]:
    """CallbackMetadata.Item as Name -> Value; items without a Value (``Balance``) are left out."""
    items = _object(metadata, "CallbackMetadata on a successful callback").get("Item")
    if not isinstance(items, list):
        raise MalformedCallback("CallbackMetadata.Item is not a list")
    found: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("Name"), str):
            raise MalformedCallback(f"CallbackMetadata item {item!r} has no Name")
        if item.get("Value") is not None:
            found.setdefault(item["Name"], item["Value"])
    return found


def _item(items: dict[str, Any], name: str) -> Any:
    if name not in items:
        raise MalformedCallback(f"CallbackMetadata has no {name!r}")
    return items[name]


def _whole_shillings(value: Any) -> int:
    amount = _decimal(value, "Amount")
    if amount != amount.to_integral_value() or amount <= 0:
        raise MalformedCallback(f"Amount {value!r} is not a positive whole number of shillings")
    return int(amount)


def _cents(value: str) -> int:
    cents = _decimal(value, "TransAmount") * 100
    if cents != cents.to_integral_value() or cents <= 0:
        raise MalformedCallback(f"TransAmount {value!r} is not a positive amount in shillings and cents")
    return int(cents)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MalformedCallback(f"{name} {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MalformedCallback(f"{name} {value!r} is not a number") from exc
    if not number.is_finite():
        raise MalformedCallback(f"{name} {value!r} is not a number")
    return number


def _digits(value: Any, name: str) -> str:
    """A JSON number such as 254708374149 (or its string) as its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise MalformedCallback(f"{name} {value!r} is not a number")
    return text


def _nairobi(stamp: str, name: str) -> dt.datetime:
    """``YYYYMMDDHHmmss`` (zone-less Kenyan local time) as an aware datetime in Africa/Nairobi."""
    try:
        if len(stamp) != 14 or not stamp.isdigit():
            raise ValueError(stamp)
        local = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise MalformedCallback(f"{name} {stamp!r} is not YYYYMMDDHHmmss") from exc
    return local.replace(tzinfo=NAIROBI)
