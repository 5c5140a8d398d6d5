"""Daraja's answers, parsed by ``providers.daraja``, turned into ledger calls: one short transaction each.

Callbacks are not retried by Safaricom, so each is settled before it is acknowledged (no outside call is
made, only indexed reads and one posting). One whose CheckoutRequestID is not known yet is kept, and
applied when its push is recorded (the callback can outrun the push's own response).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

from ledger.errors import InvalidPhone
from ledger.money import kes
from ledger.payments.callbacks import CallbackFailure, keep_failure
from ledger.payments.paybill import (
    ForReview,
    PaybillPaid,
    Settled,
    Verdict,
    settle_paybill,
    validate,
    within_limits,
)
from ledger.payments.stk import StkPaid, settle_stk_failure, settle_stk_success
from ledger.payments.stk_requests import by_checkout_id, flag
from ledger.phones import normalise_phone
from providers.daraja import parse_stk_callback
from providers.daraja_types import C2BPayment, StkCallback

if TYPE_CHECKING:
    from bot.mpesa.desk import MpesaDesk

log = logging.getLogger(__name__)

UNKNOWN_CHECKOUT = "unknown CheckoutRequestID: kept, and applied if its push is recorded"


def on_stk_callback(desk: MpesaDesk, callback: StkCallback, payload: str) -> str:
    """Settle the request the callback names; returns what happened, for the log."""
    with desk.sessions.begin() as session:
        request = by_checkout_id(session, callback.checkout_request_id)
        if request is None:
            keep_failure(
                session,
                route="stk",
                payload=payload,
                reason=UNKNOWN_CHECKOUT,
                now=desk.clock(),
                checkout_request_id=callback.checkout_request_id,
            )
            return "kept"
        if callback.result_code.strip() != "0":
            code, desc = callback.result_code, callback.result_desc
            return settle_stk_failure(session, request.id, code, desc, now=desk.clock()).value
        paid = stk_paid(callback, desk.today())
        if not within_limits(paid.amount):
            reason = f"paid {kes(paid.amount, always_cents=True)}, outside M-Pesa's limits: not posted"
            flag(request, reason)
            keep_failure(
                session,
                route="stk",
                payload=payload,
                reason=reason,
                now=desk.clock(),
                school_id=request.school_id,
            )
            return "kept for review"
        return settle_stk_success(session, request.id, paid, now=desk.clock()).value


def stk_paid(callback: StkCallback, today: dt.date) -> StkPaid:
    """The success callback's facts; ``providers.daraja.parse_stk_callback`` guarantees receipt and amount."""
    assert callback.receipt is not None and callback.amount is not None
    return StkPaid(
        receipt=callback.receipt,
        amount=callback.amount * 100,
        phone=_e164(callback.phone),
        paid_on=callback.paid_at.date() if callback.paid_at else today,
    )


def replay_kept_callback(desk: MpesaDesk, failure_id: int) -> None:
    """Apply a callback kept because its push was not recorded yet (``bot.mpesa.push`` calls this)."""
    with desk.sessions() as session:
        failure = session.get(CallbackFailure, failure_id)
        if failure is None or failure.resolved:
            return
        payload = failure.payload
    outcome = on_stk_callback(desk, parse_stk_callback(json.loads(payload)), payload)
    if outcome == "kept":  # the request is still unknown: this replay kept another copy; drop it
        log.error("kept STK callback %s still names no request", failure_id)
        return
    with desk.sessions.begin() as session:
        kept = session.get(CallbackFailure, failure_id)
        assert kept is not None
        kept.resolved = True
        kept.reason = f"{kept.reason}; applied on {desk.clock():%Y-%m-%d %H:%M:%S}: {outcome}"


def on_c2b_validation(desk: MpesaDesk, payment: C2BPayment) -> Verdict:
    with desk.sessions() as session:
        return validate(session, payment.shortcode, payment.bill_ref, payment.amount_cents)


def on_c2b_confirmation(desk: MpesaDesk, payment: C2BPayment, payload: str) -> Settled | ForReview | None:
    """Post the confirmation once per TransID; a shortcode no school owns, an amount outside M-Pesa's
    limits or a conflicting repeat of a receipt is kept for the bursar."""
    paid = PaybillPaid(
        trans_id=payment.trans_id,
        amount=payment.amount_cents,
        shortcode=payment.shortcode,
        bill_ref=payment.bill_ref,
        msisdn=payment.msisdn,
        payer_name=payment.first_name,
        paid_on=payment.trans_time.date(),
    )
    with desk.sessions.begin() as session:
        settled = settle_paybill(session, paid, now=desk.clock())
        if settled is None:
            reason = f"no school is paid through shortcode {payment.shortcode}: nothing posted"
            keep_failure(session, route="c2b-confirm", payload=payload, reason=reason, now=desk.clock())
        elif isinstance(settled, ForReview):
            keep_failure(
                session,
                route="c2b-confirm",
                payload=payload,
                reason=settled.reason,
                now=desk.clock(),
                school_id=settled.school.id,
            )
        return settled


def _e164(phone: str | None) -> str | None:
    if not phone:
        return None
    try:
        return normalise_phone("+" + phone.lstrip("+"))
    except InvalidPhone:
        return None
