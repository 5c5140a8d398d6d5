"""Sending the STK push for a recorded request: claim it, call Daraja outside any transaction, record it.

A phone with a prompt already open is told kindly and the request fails; Daraja down or arresting us is
tried again a couple of times with backoff; a request Daraja refuses is failed and flagged for the bursar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.crypto import CannotOpen, SecretKeyMissing
from bot.mpesa.credentials import NoCredentials
from bot.mpesa.inbound import replay_kept_callback
from bot.mpesa.scheduling import Task
from ledger import admission
from ledger.errors import InvalidPhone
from ledger.events import FailureReason
from ledger.payments.callbacks import early_callbacks
from ledger.payments.stk import fail_unsent
from ledger.payments.stk_requests import back_to_pending, claim_for_push, mark_sent
from ledger.phones import msisdn
from ledger.records.tables import School, Student
from providers.daraja_types import (
    DarajaError,
    DarajaUnavailable,
    InvalidToken,
    QuotaExceeded,
    Shortcode,
    SpikeArrest,
    StkPushAccepted,
    SubscriberLocked,
)

if TYPE_CHECKING:
    from bot.mpesa.desk import MpesaDesk

log = logging.getLogger(__name__)

DESCRIPTION = "School fees"  # TransactionDesc: at most 13 characters
TRANSIENT = (DarajaUnavailable, SpikeArrest, QuotaExceeded, InvalidToken)


@dataclass(frozen=True)
class PushOrder:
    """What the push needs, copied out of the database so no transaction is open during the call."""

    request_id: int
    attempt: int
    creds: Shortcode
    phone: str  # 2547XXXXXXXX
    amount: int  # whole KES
    account_reference: str


class CannotPush(Exception):
    """Our side cannot send this push at all (setup): the request fails and the bursar is told."""


def account_reference(student: Student) -> str:
    """The admission number as the prompt shows it and Paybill matches it: letters and digits, at most 12."""
    return admission.account_reference(student.admission_no)


def send_push(desk: MpesaDesk, request_id: int) -> None:
    try:
        order = _claim(desk, request_id)
    except CannotPush as error:
        _fail(desk, request_id, FailureReason.NOT_SENT, str(error), review=True)
        return
    if order is None:
        return  # already sent, settled or being sent by another worker
    assert desk.gateway is not None and desk.callback_url is not None  # _claim checked
    try:
        accepted = desk.gateway.stk_push(
            order.creds,
            phone=order.phone,
            amount=order.amount,
            account_reference=order.account_reference,
            description=DESCRIPTION,
            callback_url=desk.callback_url,
        )
    except SubscriberLocked as error:
        _fail(desk, request_id, FailureReason.BUSY, f"prompt already open: {error}", review=False)
    except TRANSIENT as error:
        _retry_or_fail(desk, order, f"{type(error).__name__}: {error}")
    except DarajaError as error:  # BadRequest and anything else Daraja refused: our request is wrong
        _fail(desk, request_id, FailureReason.NOT_SENT, f"Daraja refused the push: {error}", review=True)
    except ValueError as error:  # the adapter refused a field before calling (a callback URL Daraja bans...)
        _fail(desk, request_id, FailureReason.NOT_SENT, f"push not sent: {error}", review=True)
    else:
        _sent(desk, order, accepted)


def _claim(desk: MpesaDesk, request_id: int) -> PushOrder | None:
    with desk.sessions.begin() as session:
        request = claim_for_push(session, request_id)
        if request is None:
            return None
        if desk.gateway is None:
            raise CannotPush("Daraja is not configured (KARO_DARAJA_API_URL)")
        if desk.callback_url is None:
            raise CannotPush("no callback URL: set KARO_PUBLIC_URL and KARO_WEBHOOK_TOKEN")
        school = session.get(School, request.school_id)
        student = session.get(Student, request.student_id)
        assert school is not None and student is not None
        try:
            creds, phone = desk.credentials(school), msisdn(request.phone)
        except (NoCredentials, SecretKeyMissing, CannotOpen, InvalidPhone) as error:
            raise CannotPush(str(error)) from error
        return PushOrder(
            request.id, request.push_attempts, creds, phone, request.amount // 100, account_reference(student)
        )


def _sent(desk: MpesaDesk, order: PushOrder, accepted: StkPushAccepted) -> None:
    with desk.sessions.begin() as session:
        mark_sent(
            session,
            order.request_id,
            checkout_request_id=accepted.checkout_request_id,
            merchant_request_id=accepted.merchant_request_id,
            now=desk.clock(),
        )
    desk.scheduler.schedule(Task.QUERY, desk.timings.queries[0], order.request_id, 0)
    _apply_early_callbacks(desk, accepted.checkout_request_id)


def _apply_early_callbacks(desk: MpesaDesk, checkout_request_id: str) -> None:
    """A callback that raced ahead of ``mark_sent`` was kept: apply it now that its request is known."""
    with desk.sessions() as session:
        kept = [failure.id for failure in early_callbacks(session, checkout_request_id)]
    for failure_id in kept:
        replay_kept_callback(desk, failure_id)


def _retry_or_fail(desk: MpesaDesk, order: PushOrder, reason: str) -> None:
    retries = desk.timings.push_retries
    if order.attempt > len(retries):
        _fail(
            desk, order.request_id, FailureReason.NOT_SENT, f"gave up after {order.attempt} tries: {reason}"
        )
        return
    log.warning("STK push for request %s failed (%s): trying again", order.request_id, reason)
    with desk.sessions.begin() as session:
        back_to_pending(session, order.request_id, reason=reason)
    desk.scheduler.schedule(Task.PUSH, retries[order.attempt - 1], order.request_id)


def _fail(desk: MpesaDesk, request_id: int, reason: FailureReason, detail: str, review: bool = False) -> None:
    log.warning("STK push for request %s failed: %s", request_id, detail)
    with desk.sessions.begin() as session:
        fail_unsent(session, request_id, reason, detail=detail, now=desk.clock(), review=review)
