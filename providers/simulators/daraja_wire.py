"""Daraja's wire format for the simulator: the error envelope, ids and receipt numbers as Safaricom makes
them, the STK callback and C2B bodies, and a poster that sends them as JSON (as Daraja does) and keeps what
our server answered."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from typing import Any

import httpx
from starlette.responses import JSONResponse

from providers.simulators.callbacks import Callback, CallbackPoster

INVALID_TOKEN = "404.001.03"
BUSY = "500.001.1001"
ALPHANUMERIC = string.ascii_uppercase + string.digits
RESULT_DESCRIPTIONS = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction.",
    "17": "Rule limited.",
    "1019": "Transaction has expired",
    "1025": "An error occurred while sending a push request",
    "1032": "Request cancelled by user",
    "1037": "DS timeout user cannot be reached",
    "2001": "The initiator information is invalid.",
    "2028": "The request is not permitted according to product assignment",
    "SFC_IC0003": "Operator does not exist",
}
ERROR_MESSAGES = {  # what /_sim/fail {"error": code} answers with when no "message" is given
    INVALID_TOKEN: "Invalid Access Token",
    BUSY: "Unable to lock subscriber, a transaction is already in process for the current subscriber",
    "500.003.02": "Spike Arrest Violation",
    "500.003.03": "Quota Violation",
    "500.003.1001": "Internal Server Error",
    "400.002.02": "Bad Request - Invalid BusinessShortCode",
}


class Refusal(Exception):
    """A request Daraja turns down: HTTP status from the code's prefix, body the error envelope."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.status = int(code.split(".")[0])
        self.request_id = request_id or request_id_now()

    def document(self) -> dict[str, str]:
        return {"requestId": self.request_id, "errorCode": self.code, "errorMessage": self.message}

    def response(self) -> JSONResponse:
        return JSONResponse(self.document(), status_code=self.status)


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def request_id_now() -> str:
    return f"{_random(string.digits, 5)}-{_random(string.digits, 8)}-1"


def access_token() -> str:
    return _random(string.ascii_letters + string.digits, 28)


def merchant_request_id() -> str:
    hexdigits = "0123456789abcdef"
    return f"{_random(hexdigits, 4)}-{_random(hexdigits, 4)}-{_random(hexdigits, 4)}-{_random(hexdigits, 20)}"


def checkout_request_id(now: dt.datetime, phone: str) -> str:
    """``ws_CO_`` + DDMMYYYYHHMMSS + milliseconds + the phone without 254, as in Safaricom's samples."""
    return f"ws_CO_{now:%d%m%Y%H%M%S}{now.microsecond // 1000:03d}{phone[-9:]}"


def receipt_number() -> str:
    """An M-Pesa receipt such as ``TKL4XQ2R7A`` (STK MpesaReceiptNumber and C2B TransID alike)."""
    return "TKL" + _random(ALPHANUMERIC, 7)


def conversation_id() -> str:
    return f"{_random('0123456789abcdef', 4)}-{_random('0123456789abcdef', 4)}-{_random(string.digits, 8)}-1"


def result_code(value: Any) -> int | str:
    """A chosen outcome as the callback sends it: a number when numeric, else text (``SFC_IC0003``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return int(text) if text.isdigit() else text
    raise ValueError(f"result_code {value!r} is not a number or a code")


def stk_callback(prompt: dict[str, Any]) -> dict[str, Any]:
    """The ``Body.stkCallback`` POSTed to CallBackURL; metadata (with a valueless Balance) only on success."""
    code = result_code(prompt["result_code"])
    callback: dict[str, Any] = {
        "MerchantRequestID": prompt["merchant_request_id"],
        "CheckoutRequestID": prompt["checkout_request_id"],
        "ResultCode": code,
        "ResultDesc": prompt["result_desc"],
    }
    if code == 0:
        paid_at = dt.datetime.fromisoformat(prompt["resolved_at"])
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(prompt["amount"])},
                {"Name": "MpesaReceiptNumber", "Value": prompt["receipt"]},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(f"{paid_at:%Y%m%d%H%M%S}")},
                {"Name": "PhoneNumber", "Value": int(prompt["phone"])},
            ]
        }
    return {"Body": {"stkCallback": callback}}


def c2b_body(payment: dict[str, Any], msisdn_mode: str, balance: str = "") -> dict[str, str]:
    """The C2B validation/confirmation body: all strings, TransAmount "5.00", the MSISDN masked (v2),
    hashed (v1) or plain."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": payment["trans_id"],
        "TransTime": payment["trans_time"],
        "TransAmount": payment["amount"],
        "BusinessShortCode": payment["shortcode"],
        "BillRefNumber": payment["bill_ref"],
        "InvoiceNumber": "",
        "OrgAccountBalance": balance,
        "ThirdPartyTransID": "",
        "MSISDN": hidden_msisdn(payment["phone"], msisdn_mode),
        "FirstName": payment["first_name"],
        "MiddleName": "",
        "LastName": "",
    }


def hidden_msisdn(phone: str, mode: str) -> str:
    """``2547 ***** 126`` (C2B v2, "masked"), a SHA-256 hex digest (v1, "hashed"), or the number ("plain")."""
    if mode == "masked":
        return f"{phone[:4]} ***** {phone[-3:]}"
    if mode == "hashed":
        return hashlib.sha256(phone.encode()).hexdigest()
    return phone


class JsonPoster(CallbackPoster):
    """The common poster (background thread, delay, log for ``GET /_sim/callbacks``), sending each
    callback's body as JSON and logging what our server answered."""

    def __init__(self, timeout: float = 5.0) -> None:
        super().__init__(timeout)
        self._client = httpx.Client()  # one pool for every callback thread (httpx clients are thread-safe)

    def exchange(self, url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        """POST ``body`` now and wait up to ``timeout`` s: the log entry (status_code, answer, or error)."""
        entry: dict[str, Any] = {"url": url, "json": body, "attempt": 0, "at": _now()}
        try:
            response = self._client.post(url, json=body, timeout=timeout)
            entry["status_code"] = response.status_code
            entry["answer"] = _decoded(response)
        except httpx.HTTPError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._log.append(entry)
        return entry

    def _post(self, callback: Callback, attempt: int) -> int | None:
        entry = self.exchange(callback.url, dict(callback.form), self._timeout)
        entry["attempt"] = attempt
        status = entry.get("status_code")
        return status if isinstance(status, int) else None


def _decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
