"""M-Pesa Daraja over httpx: OAuth, STK push and query, C2B URL registration, and the callback parsers.

``DarajaClient`` is the ``MpesaGateway``. It keeps one OAuth token per shortcode for the whole deployment in a
``TokenStore`` (a new token kills the old one, so processes must share it), checks every field Daraja is
strict about before sending, and turns Daraja's error envelope into the typed errors of ``daraja_types``.
The network is injectable: pass ``http=httpx.Client(transport=...)``; the base URL is the simulator's in
tests and the demo. ``parse_stk_callback`` and ``parse_c2b`` read what Daraja POSTs back.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, cast

import httpx

from providers import daraja_fields as fields
from providers.daraja_callbacks import parse_c2b, parse_stk_callback
from providers.daraja_tokens import MemoryTokenStore, RedisTokenStore
from providers.daraja_types import (
    BadRequest,
    DarajaError,
    DarajaUnavailable,
    InvalidToken,
    QuotaExceeded,
    Shortcode,
    SpikeArrest,
    StillProcessing,
    StkPushAccepted,
    StkQueryResult,
    SubscriberLocked,
    TokenStore,
)

__all__ = [
    "DarajaClient",
    "MemoryTokenStore",
    "RedisTokenStore",
    "parse_c2b",
    "parse_stk_callback",
]

OAUTH = "/oauth/v1/generate"
STK_PUSH = "/mpesa/stkpush/v1/processrequest"
STK_QUERY = "/mpesa/stkpushquery/v1/query"
C2B_REGISTER = "/mpesa/c2b/v2/registerurl"
INVALID_TOKEN = "404.001.03"
BUSY = "500.001.1001"  # "Unable to lock subscriber", "being processed", "Wrong credentials": read the message
_BY_CODE: dict[str, type[DarajaError]] = {
    INVALID_TOKEN: InvalidToken,
    "500.003.02": SpikeArrest,
    "500.003.03": QuotaExceeded,
}


def nairobi_now() -> dt.datetime:
    return dt.datetime.now(fields.NAIROBI)


class DarajaClient:
    """An ``MpesaGateway`` for one Daraja base URL, serving any number of shortcodes (schools).

    A token is reused until ``refresh_margin`` seconds before it expires; then one process takes the store's
    refresh lock, reads again (another may have refreshed meanwhile) and only then fetches. A request that
    gets 404.001.03 forces one refresh and is retried once. ``clock`` (Unix time) dates tokens;
    ``nairobi_now`` makes the STK Timestamp.
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenStore,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        nairobi_now: Callable[[], dt.datetime] = nairobi_now,
        refresh_margin: float = 120.0,
        timeout: float = 15.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._tokens = tokens
        self._own_http = http is None
        self._http = http or httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0))
        self._clock = clock
        self._nairobi_now = nairobi_now
        self._margin = refresh_margin

    def close(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._own_http:
            self._http.close()

    def ensure_token(self, creds: Shortcode) -> None:
        """A token for ``creds``: the shared one while fresh, else fetched (proving the app's keys) and
        shared, so asking never invalidates the token the deployment is using."""
        self._token(creds)

    def stk_push(
        self,
        creds: Shortcode,
        *,
        phone: str,
        amount: int,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkPushAccepted:
        """Ask Daraja to show the PIN prompt on ``phone``; ``ValueError`` before any call for a bad field."""
        body = {
            "TransactionType": "CustomerPayBillOnline",
            "Amount": fields.whole_shillings(amount),
            "PartyA": fields.msisdn(phone),
            "PartyB": creds.shortcode,
            "PhoneNumber": phone,
            "CallBackURL": fields.callback_url(callback_url),
            "AccountReference": fields.account_reference(account_reference),
            "TransactionDesc": fields.transaction_description(description),
        }
        answer = _accepted(self._call(creds, STK_PUSH, self._signed(creds) | body))
        return StkPushAccepted(
            merchant_request_id=_required(answer, "MerchantRequestID"),
            checkout_request_id=_required(answer, "CheckoutRequestID"),
            customer_message=str(answer.get("CustomerMessage") or ""),
        )

    def stk_query(self, creds: Shortcode, checkout_request_id: str) -> StkQueryResult:
        """The outcome of a push; ``StillProcessing`` while the prompt is open (Daraja's HTTP 500)."""
        body = self._signed(creds) | {"CheckoutRequestID": checkout_request_id}
        answer = self._call(creds, STK_QUERY, body)
        if answer.get("ResultCode") is None:
            _accepted(answer)
            raise DarajaUnavailable(f"STK query answer without a ResultCode: {answer}")
        return StkQueryResult(
            checkout_request_id=str(answer.get("CheckoutRequestID") or checkout_request_id),
            result_code=str(answer["ResultCode"]),
            result_desc=str(answer.get("ResultDesc") or ""),
        )

    def register_c2b_urls(
        self,
        creds: Shortcode,
        *,
        confirmation_url: str,
        validation_url: str,
        response_type: str = "Completed",
    ) -> None:
        """Register the Paybill's confirmation and validation URLs (C2B v2)."""
        body = {
            "ShortCode": creds.shortcode,
            "ResponseType": fields.response_type(response_type),
            "ConfirmationURL": fields.callback_url(confirmation_url, "ConfirmationURL"),
            "ValidationURL": fields.callback_url(validation_url, "ValidationURL"),
        }
        _accepted(self._call(creds, C2B_REGISTER, body))

    def _signed(self, creds: Shortcode) -> dict[str, str]:
        """BusinessShortCode, and the Password made from the very Timestamp sent beside it."""
        timestamp = fields.nairobi_timestamp(self._nairobi_now())
        password = fields.stk_password(creds.shortcode, creds.passkey, timestamp)
        return {"BusinessShortCode": creds.shortcode, "Password": password, "Timestamp": timestamp}

    def _call(self, creds: Shortcode, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = self._token(creds)
        try:
            return self._post(path, body, token)
        except InvalidToken:
            return self._post(path, body, self._token(creds, stale=token))

    def _token(self, creds: Shortcode, stale: str | None = None) -> str:
        """The shared token, refreshed under the lock when missing, about to expire, or equal to ``stale``."""
        token = self._fresh(creds.shortcode, stale)
        if token:
            return token
        lock = cast(AbstractContextManager[object], self._tokens.refresh_lock(creds.shortcode))
        with lock:
            token = self._fresh(creds.shortcode, stale)  # another process may have refreshed meanwhile
            if token:
                return token
            asked_at = self._clock()
            token, lifetime = self._fetch_token(creds)
            self._tokens.put(creds.shortcode, token, asked_at + lifetime)
            return token

    def _fresh(self, shortcode: str, stale: str | None) -> str | None:
        stored = self._tokens.get(shortcode)
        if stored is None:
            return None
        token, expires_at = stored
        if token == stale or expires_at - self._clock() <= self._margin:
            return None
        return token

    def _fetch_token(self, creds: Shortcode) -> tuple[str, float]:
        auth = httpx.BasicAuth(creds.consumer_key, creds.consumer_secret)
        params = {"grant_type": "client_credentials"}
        answer = _answer(self._send("GET", OAUTH, auth=auth, params=params))
        try:
            return str(answer["access_token"]), float(int(str(answer["expires_in"]).strip()))
        except (KeyError, ValueError) as exc:
            fields_seen = ", ".join(sorted(answer))  # names only: the answer may hold a token
            raise DarajaUnavailable(
                f"OAuth answer without a usable token and expiry ({fields_seen})"
            ) from exc

    def _post(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        return _answer(self._send("POST", path, json=body, headers={"Authorization": f"Bearer {token}"}))

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, self._base + path, **kwargs)
        except httpx.TransportError as exc:  # timeouts, refused or dropped connections
            raise DarajaUnavailable(f"no answer from Daraja ({path}): {type(exc).__name__}") from exc


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; any error (or an error envelope inside a 200) raised as its type."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if response.is_success:
            raise DarajaUnavailable(
                f"HTTP {response.status_code} without a JSON object: {response.text[:200]!r}"
            )
        raise _failure(response.status_code, {"text": response.text[:200]})
    if response.is_success and "errorCode" not in body:
        return body
    raise _failure(response.status_code, body)


def _failure(status: int, envelope: dict[str, Any]) -> Exception:
    """Daraja's ``{"requestId", "errorCode", "errorMessage"}`` as the matching exception."""
    code = str(envelope.get("errorCode") or "")
    message = str(envelope.get("errorMessage") or envelope.get("text") or "")
    if not code:
        if status >= 500 or status in (408, 429):
            return DarajaUnavailable(f"HTTP {status} from Daraja: {message!r}")
        return DarajaError(f"HTTP {status}", message)
    if code in _BY_CODE:
        return _BY_CODE[code](code, message)
    if code.startswith("400."):
        return BadRequest(code, message)
    if code == BUSY:
        return _busy(code, message)
    if status >= 500 and "already registered" not in message.lower():
        return DarajaUnavailable(f"{code} {message}")
    return DarajaError(code, message)


def _busy(code: str, message: str) -> DarajaError:
    lowered = message.lower()
    if "lock subscriber" in lowered:
        return SubscriberLocked(code, message)
    if "being processed" in lowered:
        return StillProcessing(code, message)
    return DarajaError(code, message)  # "Wrong credentials", "Merchant does not exist": our configuration


def _accepted(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` if its ResponseCode is "0" (accepted for processing: not paid), else ``DarajaError``."""
    code = str(answer.get("ResponseCode", "")).strip()
    if code != "0":
        raise DarajaError(code or "no ResponseCode", str(answer.get("ResponseDescription") or answer))
    return answer


def _required(answer: dict[str, Any], name: str) -> str:
    value = answer.get(name)
    if not value:
        raise DarajaUnavailable(f"Daraja's answer lacks {name}: {answer}")
    return str(value)
