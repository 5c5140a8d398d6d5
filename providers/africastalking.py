"""Africa's Talking SMS: send through the official SDK, and parse AT's (unsigned) SMS callbacks.

The SDK hard-codes its host and drops the HTTP status of a refused request, so ``_SmsService`` subclasses
the SDK's own ``SMSService``: its ``send`` still validates numbers and builds the form, URL and headers, while
we point ``_baseUrl`` at ``api_url`` (the simulator, or the real API) and keep the status to tell a throttle
or outage (retry) from a refusal (don't). No global ``africastalking.initialize`` state is used.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import requests
from africastalking.Service import DEFAULT_TIMEOUT_S, AfricasTalkingException
from africastalking.SMS import SMSService

from providers.inbound import IncomingMessage, MalformedCallback, optional, required
from providers.messaging import DeliveryUpdate, SendResult, TransientSendError

PROVIDER = "africastalking"
ACCEPTED_CODES = {100, 101, 102}  # Processed, Sent, Queued: accepted by AT, not yet delivered
RETRYABLE_CODES = {500, 501}  # InternalServerError, GatewayError
RETRYABLE_HTTP = {408, 429}
DLR_STATUSES = {
    "Success": "delivered",
    "Sent": "sent",
    "Submitted": "sent",
    "Buffered": "sent",
    "AbsentSubscriber": "sent",  # not final: AT keeps trying while the handset is off
    "Rejected": "failed",
    "Failed": "failed",
    "Expired": "failed",
}
DATE_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%S")


class _HttpError(AfricasTalkingException):
    """The SDK's exception, with the HTTP status it throws away."""

    def __init__(self, status_code: int, text: str) -> None:
        super().__init__(text)
        self.status_code = status_code
        self.text = text


class _SmsService(SMSService):
    """The SDK's SMS service, aimed at ``api_url`` and keeping the HTTP status of a failed request."""

    def __init__(self, username: str, api_key: str, api_url: str | None) -> None:
        super().__init__(username, api_key)
        if api_url:
            self._baseUrl = api_url.rstrip("/") + "/version1"

    def _make_request(
        self,
        url: str,
        method: str,
        headers: dict[str, str],
        data: Any,
        params: Any,
        callback: Any = None,
        timeout: Any = DEFAULT_TIMEOUT_S,
    ) -> Any:
        # The same request and the same result rule as the SDK's own _make_request (JSON only when the
        # content-type is exactly application/json, else the text), minus its thread and its lost status.
        response = requests.request(method, url, headers=headers, data=data, params=params, timeout=timeout)
        if not 200 <= response.status_code < 300:
            raise _HttpError(response.status_code, response.text)
        if response.headers.get("content-type") == "application/json":
            return response.json()
        return response.text


class AfricasTalkingSms:
    """An ``SmsSender`` over Africa's Talking's bulk SMS API (``POST /version1/messaging``).

    ``api_url`` is the API root (default ``https://api.africastalking.com``, or the sandbox host for the
    ``sandbox`` username); point it at the simulator in tests and the demo. ``timeout`` is the SDK's
    (connect, read) pair in seconds: a timeout raises ``TransientSendError``.
    """

    def __init__(
        self,
        username: str,
        api_key: str,
        api_url: str | None = None,
        *,
        timeout: float | tuple[float, float] = (3.05, 9.05),
    ) -> None:
        self._service = _SmsService(username, api_key, api_url)
        self._timeout = timeout

    def send_sms(self, to: str, body: str, *, sender_id: str | None = None) -> SendResult:
        """Send ``body`` to one E.164 number; refused for good, accepted with AT's ``messageId``, or raise."""
        try:
            answer = self._service.send(body, [to], sender_id=sender_id, timeout=self._timeout)
        except ValueError as exc:  # the SDK refuses numbers without "+" before any HTTP call
            return SendResult(
                accepted=False, status="InvalidPhoneNumber", reason=f"InvalidPhoneNumber ({exc})"
            )
        except _HttpError as exc:
            return _refused_or_raise(exc)
        except requests.RequestException as exc:
            raise TransientSendError(f"no answer from Africa's Talking: {type(exc).__name__}") from exc
        return _send_result(_as_json(answer), to)


def _refused_or_raise(exc: _HttpError) -> SendResult:
    reason = f"HTTP {exc.status_code}: {exc.text.strip()[:200]}"
    if exc.status_code >= 500 or exc.status_code in RETRYABLE_HTTP:
        raise TransientSendError(reason) from exc
    return SendResult(accepted=False, status=f"HTTP {exc.status_code}", reason=reason)


def _as_json(answer: Any) -> dict[str, Any]:
    """The SDK returns a str when the content-type is not exactly application/json: read it anyway."""
    if isinstance(answer, dict):
        return answer
    try:
        parsed = json.loads(answer)
    except (TypeError, ValueError) as exc:
        # A 2xx we cannot read: retrying may send twice, but dropping it may lose a receipt.
        raise TransientSendError(f"unreadable Africa's Talking answer: {str(answer)[:200]!r}") from exc
    if not isinstance(parsed, dict):
        raise TransientSendError(f"unexpected Africa's Talking answer: {str(answer)[:200]!r}")
    return parsed


def _send_result(answer: dict[str, Any], to: str) -> SendResult:
    data = answer.get("SMSMessageData") or {}
    recipients = data.get("Recipients") or []
    mine = [r for r in recipients if r.get("number") == to] or recipients
    if not mine:  # refused wholesale, e.g. {"Message": "InvalidSenderId", "Recipients": []}
        message = str(data.get("Message") or "no recipients in the answer")
        return SendResult(accepted=False, status=message, reason=message)
    return _recipient_result(mine[0])


def _recipient_result(recipient: dict[str, Any]) -> SendResult:
    status = str(recipient.get("status", ""))
    try:
        code = int(recipient.get("statusCode", 0))
    except (TypeError, ValueError):
        code = 0
    if code in ACCEPTED_CODES:
        return SendResult(accepted=True, provider_id=str(recipient.get("messageId")), status=status)
    if code in RETRYABLE_CODES:
        raise TransientSendError(f"{status} ({code})")
    return SendResult(accepted=False, status=status, reason=f"{status} ({code})")


def parse_delivery_report(form: Mapping[str, str]) -> DeliveryUpdate:
    """An AT delivery report (``id``, ``status``, ``failureReason``...) as a ``DeliveryUpdate``."""
    status = required(form, "status")
    if status not in DLR_STATUSES:
        raise MalformedCallback(f"unknown delivery status {status!r}")
    normalised = DLR_STATUSES[status]
    reason = optional(form, "failureReason")
    if normalised == "failed" and reason is None or status == "AbsentSubscriber":
        reason = status
    return DeliveryUpdate(
        provider=PROVIDER, provider_id=required(form, "id"), status=normalised, reason=reason
    )


def parse_incoming_sms(form: Mapping[str, str]) -> IncomingMessage:
    """An incoming SMS callback (``from``, ``to``, ``text``, ``id``, ``date``, ``linkId``)."""
    return IncomingMessage(
        provider=PROVIDER,
        provider_id=required(form, "id"),
        phone=required(form, "from"),
        text=str(form.get("text") or ""),
        to=required(form, "to"),
        received_at=_parse_date(optional(form, "date")),
        channel="sms",
        link_id=optional(form, "linkId"),
    )


def parse_opt_out(form: Mapping[str, str]) -> str:
    """The phone number in a Bulk SMS opt-out callback (``senderId``, ``phoneNumber``)."""
    return required(form, "phoneNumber")


def _parse_date(value: str | None) -> dt.datetime | None:
    """AT sends ``2017-05-03T06:04:45Z`` or ``2017-05-03 06:04:45`` (both UTC)."""
    if value is None:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise MalformedCallback(f"unreadable date {value!r}")
