"""Asking Daraja what became of a push whose callback has not come: about +60 s, +2, +5, +10 minutes.

A query that says "paid" carries no receipt number, so the money is posted provisionally
(``ledger.payments.stk.settle_query_success``); a failure is told to the parent like a failed callback; no
answer
by the last query leaves the request for the bursar (REVIEW).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import metrics
from bot.crypto import CannotOpen, SecretKeyMissing
from bot.mpesa.credentials import NoCredentials
from bot.mpesa.scheduling import Task
from ledger.payments.stk import StkResult, mark_for_review, settle_query_success, settle_stk_failure
from ledger.payments.stk_requests import RequestStatus, lock_request
from ledger.records.tables import School
from providers.daraja_types import DarajaError, DarajaUnavailable, Shortcode, StillProcessing, StkQueryResult

if TYPE_CHECKING:
    from bot.mpesa.desk import MpesaDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryOrder:
    request_id: int
    checkout_request_id: str
    creds: Shortcode


class CannotQuery(Exception):
    """Our side cannot ask about this request (its school's credentials cannot be opened)."""


def query(desk: MpesaDesk, request_id: int, attempt: int = 0) -> None:
    try:
        order = _prepare(desk, request_id)
    except CannotQuery as error:
        with desk.sessions.begin() as session:
            mark_for_review(session, request_id, reason=f"cannot query M-Pesa: {error}", now=desk.clock())
        return
    if order is None:
        return  # settled meanwhile (the callback came), or never sent
    result = _ask(desk, order)
    if result is None:
        _next(desk, request_id, attempt)
        return
    with desk.sessions.begin() as session:
        if result.result_code.strip() == "0":
            settled = settle_query_success(session, request_id, today=desk.today(), now=desk.clock())
        else:
            settled = settle_stk_failure(
                session, request_id, result.result_code, result.result_desc, now=desk.clock()
            )
    if settled == StkResult.POSTED:  # a lost callback's money, found by asking
        metrics.PAYMENTS.labels("mpesa_stk_query").inc()


def _prepare(desk: MpesaDesk, request_id: int) -> QueryOrder | None:
    with desk.sessions.begin() as session:
        request = lock_request(session, request_id)
        if request.status != RequestStatus.SENT or not request.checkout_request_id or desk.gateway is None:
            return None
        request.queries += 1
        school = session.get(School, request.school_id)
        assert school is not None
        try:
            creds = desk.credentials(school)
        except (NoCredentials, SecretKeyMissing, CannotOpen) as error:
            raise CannotQuery(str(error)) from error
        return QueryOrder(request.id, request.checkout_request_id, creds)


def _ask(desk: MpesaDesk, order: QueryOrder) -> StkQueryResult | None:
    """Daraja's final answer, or None for "still processing" and any failure worth asking again about."""
    assert desk.gateway is not None
    try:
        return desk.gateway.stk_query(order.creds, order.checkout_request_id)
    except StillProcessing:
        return None
    except (DarajaError, DarajaUnavailable, ValueError) as error:
        log.warning("STK query for request %s failed: %s", order.request_id, error)
        return None


def _next(desk: MpesaDesk, request_id: int, attempt: int) -> None:
    schedule = desk.timings.queries
    if attempt + 1 < len(schedule):
        wait = schedule[attempt + 1] - schedule[attempt]
        desk.scheduler.schedule(Task.QUERY, wait, request_id, attempt + 1)
        return
    with desk.sessions.begin() as session:
        reason = f"no answer from M-Pesa after {len(schedule)} queries: check the M-Pesa statement"
        mark_for_review(session, request_id, reason=reason, now=desk.clock())
