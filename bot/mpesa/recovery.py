"""Requests whose scheduled work was lost (a restarted process takes its timers with it; a worker can die
mid-push): found by age and settled, so none waits forever. Run every minute or so (``sweep_stk_requests``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.mpesa.queries import query
from ledger.events import FailureReason
from ledger.payments.stk import fail_unsent, mark_for_review
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus

if TYPE_CHECKING:
    from bot.mpesa.desk import MpesaDesk

log = logging.getLogger(__name__)

PUSH_TOO_LATE = dt.timedelta(minutes=5)  # a prompt this late would only confuse: tell the parent instead
SENDING_LEASE = dt.timedelta(minutes=5)  # a push claimed this long ago belongs to a worker that died
QUERIES_OVERDUE = dt.timedelta(minutes=5)  # after the schedule's last query was due


@dataclass(frozen=True)
class Swept:
    failed: int = 0
    review: int = 0
    queried: int = 0


def sweep(desk: MpesaDesk) -> Swept:
    now = desk.clock()
    with desk.sessions() as session:
        stranded = list(
            session.execute(
                select(PaymentRequestRecord.id, PaymentRequestRecord.status).where(
                    (
                        (PaymentRequestRecord.status == RequestStatus.PENDING)
                        & (PaymentRequestRecord.created_at < now - PUSH_TOO_LATE)
                    )
                    | (
                        (PaymentRequestRecord.status == RequestStatus.SENDING)
                        & (PaymentRequestRecord.created_at < now - SENDING_LEASE)
                    )
                    | (
                        (PaymentRequestRecord.status == RequestStatus.SENT)
                        & (PaymentRequestRecord.sent_at < now - desk.timings.queries[-1] - QUERIES_OVERDUE)
                    )
                )
            )
        )
    failed = review = queried = 0
    for request_id, status in stranded:
        if status == RequestStatus.PENDING:
            with desk.sessions.begin() as session:
                detail = "the push was never sent (its job was lost)"
                fail_unsent(session, request_id, FailureReason.NOT_SENT, detail=detail, now=now, review=False)
            failed += 1
        elif status == RequestStatus.SENDING:
            with desk.sessions.begin() as session:
                reason = "the push's outcome is unknown (its worker stopped mid-call): check the statement"
                states = (RequestStatus.SENDING,)
                mark_for_review(session, request_id, reason=reason, now=now, states=states)
            review += 1
        else:
            query(desk, request_id, len(desk.timings.queries) - 1)  # the last query: an answer, or REVIEW
            queried += 1
    if stranded:
        log.warning(
            "swept stranded STK requests: %s failed, %s for review, %s queried", failed, review, queried
        )
    return Swept(failed, review, queried)
