"""The contract of the M-Pesa Daraja adapter: what goes in, what comes back, what can go wrong.

Amounts on this boundary are whole Kenyan shillings (Daraja takes no cents); the bot turns them into
cents for the ledger. Phones are 2547XXXXXXXX / 2541XXXXXXXX (``ledger.phones.msisdn`` makes them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class DarajaError(Exception):
    """Daraja refused a request; ``code`` is its errorCode (e.g. ``400.002.02``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


class InvalidToken(DarajaError):
    """404.001.03: the token expired or was replaced; refresh once and retry."""


class SpikeArrest(DarajaError):
    """500.003.02: too many requests too fast: back off."""


class QuotaExceeded(DarajaError):
    """500.003.03."""


class SubscriberLocked(DarajaError):
    """500.001.1001 "Unable to lock subscriber": another prompt is open on that phone; wait a minute."""


class StillProcessing(DarajaError):
    """STK query: 500.001.1001 "The transaction is being processed": ask again later."""


class BadRequest(DarajaError):
    """400.*: our request is wrong (shortcode, phone, amount, URL...): not worth retrying."""


class DarajaUnavailable(Exception):
    """Timeout, connection error or an unexpected 5xx: worth retrying later."""


@dataclass(frozen=True)
class Shortcode:
    """One school's Daraja app: the Paybill and the secrets that go with it."""

    shortcode: str
    passkey: str
    consumer_key: str
    consumer_secret: str


@dataclass(frozen=True)
class StkPushAccepted:
    merchant_request_id: str
    checkout_request_id: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryResult:
    checkout_request_id: str
    result_code: str  # a string: "0" paid, "1032" cancelled, ... (callbacks send an int; we store text)
    result_desc: str


@dataclass(frozen=True)
class StkCallback:
    merchant_request_id: str
    checkout_request_id: str
    result_code: str
    result_desc: str
    amount: int | None = None  # whole KES, only on success
    receipt: str | None = None  # MpesaReceiptNumber, only on success
    phone: str | None = None  # 2547..., only on success
    paid_at: dt.datetime | None = None  # TransactionDate, Nairobi time


@dataclass(frozen=True)
class C2BPayment:
    """A Paybill payment (validation or confirmation). The phone is masked or hashed: never match on it."""

    trans_id: str  # the M-Pesa receipt: the same namespace as StkCallback.receipt
    trans_time: dt.datetime  # Nairobi time
    amount_cents: int  # TransAmount "5.00" parsed with Decimal
    bill_ref: str  # what the payer typed as the account number
    shortcode: str
    msisdn: str  # masked ("2547 ***** 126") or a SHA-256 hash
    first_name: str


class TokenStore(Protocol):
    """Where one OAuth token per shortcode is kept for the whole deployment (Redis; a dict in tests)."""

    def get(self, shortcode: str) -> tuple[str, float] | None:
        """(token, expires_at as a Unix time), or None."""
        ...

    def put(self, shortcode: str, token: str, expires_at: float) -> None: ...

    def refresh_lock(self, shortcode: str) -> object:
        """A context manager held while one process fetches a new token (a new token kills the old)."""
        ...


class MpesaGateway(Protocol):
    """What the bot needs of Daraja."""

    def stk_push(
        self,
        creds: Shortcode,
        *,
        phone: str,
        amount: int,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkPushAccepted: ...

    def stk_query(self, creds: Shortcode, checkout_request_id: str) -> StkQueryResult: ...

    def register_c2b_urls(
        self,
        creds: Shortcode,
        *,
        confirmation_url: str,
        validation_url: str,
        response_type: str = "Completed",
    ) -> None: ...
