"""The message bus: what messaging does about each domain event, in the unit of work that raised it.

``session_factory`` is how sessions are made wherever money moves (``bot.bootstrap``, the tests, the
benches): before each commit it hands the session's events to their handlers, which write outbox rows in
the same transaction. A handler may raise further events; they are handled in the same pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.sponsor_tables import BursaryAward
from ledger.books.tables import Payment
from ledger.db import make_session_factory
from ledger.events import (
    BursaryCredited,
    ClassInvoiced,
    Event,
    GuardianAccessEnded,
    LateFeesCharged,
    PaymentReachedStudent,
    PaymentRequestFailed,
    PaymentReversed,
    StudentBalanceChanged,
    SuspensePaymentReceived,
    take_events,
)
from ledger.messaging.bursary_notices import write_bursary_notices
from ledger.messaging.family_notices import write_invoice_notices, write_late_fee_notices
from ledger.messaging.notices import write_payment_failed, write_receipts, write_suspense_notice
from ledger.messaging.reversal_notices import write_reversal_notices
from ledger.messaging.webhook_events import tell_balance_changed, tell_payment_received, tell_payment_reversed
from ledger.messaging.withdrawals import withdraw_queued
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.parents import find_guardian
from ledger.records.tables import SchoolClass, Student, Term

Handler = Callable[[Session, Any], None]


def send_receipts(session: Session, event: PaymentReachedStudent) -> None:
    if event.tell_family:
        write_receipts(session, session.get_one(Payment, event.payment_id), event.at, owed=event.owed_after)


def tell_payer_of_suspense(session: Session, event: SuspensePaymentReceived) -> None:
    payment = session.get_one(Payment, event.payment_id)
    guardian = find_guardian(session, event.phone, payment.school_id)
    write_suspense_notice(session, payment, event.phone, guardian, event.at)


def tell_why_payment_failed(session: Session, event: PaymentRequestFailed) -> None:
    request = session.get_one(PaymentRequestRecord, event.request_id)
    write_payment_failed(session, request, event.reason, event.at)


def tell_families_the_fees(session: Session, event: ClassInvoiced) -> None:
    school_class = session.get_one(SchoolClass, event.class_id)
    write_invoice_notices(session, school_class, session.get_one(Term, event.term_id), now=event.at)


def tell_families_the_late_fees(session: Session, event: LateFeesCharged) -> None:
    write_late_fee_notices(session, session.get_one(Term, event.term_id), dict(event.fees), now=event.at)


def tell_families_of_the_bursary(session: Session, event: BursaryCredited) -> None:
    write_bursary_notices(session, session.get_one(BursaryAward, event.award_id), event.at)


def tell_family_of_reversal(session: Session, event: PaymentReversed) -> None:
    payment, student = session.get_one(Payment, event.payment_id), session.get_one(Student, event.student_id)
    write_reversal_notices(session, payment, student, event.reversal_id, event.reason, event.at)


HANDLERS: dict[type[Event], list[Handler]] = {
    PaymentReachedStudent: [send_receipts, tell_payment_received],
    SuspensePaymentReceived: [tell_payer_of_suspense],
    PaymentRequestFailed: [tell_why_payment_failed],
    ClassInvoiced: [tell_families_the_fees],
    LateFeesCharged: [tell_families_the_late_fees],
    GuardianAccessEnded: [withdraw_queued],
    BursaryCredited: [tell_families_of_the_bursary],
    PaymentReversed: [tell_family_of_reversal, tell_payment_reversed],
    StudentBalanceChanged: [tell_balance_changed],
}


def handle_events(session: Session) -> None:
    """Run the handlers of every event raised in ``session`` (and of those they raise), oldest first."""
    while events := take_events(session):
        for event in events:
            for handler in HANDLERS.get(type(event), []):
                handler(session, event)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose commits first handle their domain events through this bus."""
    return make_session_factory(engine, on_commit=handle_events)
