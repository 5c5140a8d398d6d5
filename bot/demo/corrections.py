"""The demo's corrections: an M-Pesa payment voided (Safaricom reversed it) and a large one whose
move back to suspense waits for the head, so the statement, the family's notice and the Approvals page
have something to show. Made once: each request has its own key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.balances import total_owed
from ledger.books.tables import Payment, PaymentSource
from ledger.db import transaction
from ledger.payments.corrections import Destination
from ledger.records.tables import School
from ledger.staff.approvals import Actor, Reversal, ReversalRequest, approval_above, ask_to_reverse

BURSAR = Actor("bursar@kilimani.demo")  # as the demo's bursar would have asked


def seed_corrections(sessions: sessionmaker[Session], slug: str, now: dt.datetime) -> int:
    """Returns how many requests this run made (0 when run again)."""
    with transaction(sessions) as session:
        school = session.scalars(select(School).where(School.slug == slug)).one()
        above = approval_above(school)
        small = _first(session, school, PaymentSource.MPESA_PAYBILL, lambda amount: amount <= above)
        mpesa = _first(session, school, PaymentSource.MPESA_PAYBILL, lambda amount: amount > above)
        made = 0
        for key, payment, reason, destination in (
            ("demo:mpesa-reversed", small, "Safaricom reversed it at the payer's request", Destination.VOID),
            ("demo:wrong-child", mpesa, "paid for the wrong child", Destination.SUSPENSE),
        ):
            asked_before = select(ReversalRequest.id).where(
                ReversalRequest.school_id == school.id, ReversalRequest.key == key
            )
            if payment is not None and session.scalar(asked_before) is None:  # once, whatever came since
                asked = Reversal(reason, payment=payment, destination=destination)
                made += ask_to_reverse(session, school, asked, key=key, actor=BURSAR, now=now)[1]
        return made


def _first(
    session: Session, school: School, source: PaymentSource, fits: Callable[[int], bool]
) -> Payment | None:
    query = select(Payment).where(
        Payment.school_id == school.id, Payment.source == source, Payment.student_id.is_not(None)
    )
    # A child who still owes: the demo's family in credit keeps its credit.
    found = (p for p in session.scalars(query.order_by(Payment.id)) if fits(p.amount) and _owes(session, p))
    return next(found, None)


def _owes(session: Session, payment: Payment) -> bool:
    return payment.student_id is not None and total_owed(session, payment.student_id) > 0
