"""Requests whose scheduled work was lost are settled by the sweep: none waits forever."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.recovery import sweep
from bot.settings import Settings
from ledger.books.tables import Payment
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus, record_request
from providers.daraja_types import Shortcode, StillProcessing, StkPushAccepted, StkQueryResult
from tests.integration.mpesa.family import NOW, PARENT


class FakeDaraja:
    """Our MpesaGateway port, answering queries from a table."""

    def __init__(self, answers: dict[str, str | None]) -> None:
        self.answers = answers
        self.queried: list[str] = []

    def stk_push(self, creds: Shortcode, **fields: object) -> StkPushAccepted:
        raise AssertionError("the sweep never pushes")

    def stk_query(self, creds: Shortcode, checkout_request_id: str) -> StkQueryResult:
        self.queried.append(checkout_request_id)
        code = self.answers[checkout_request_id]
        if code is None:
            raise StillProcessing("500.001.1001", "The transaction is being processed")
        return StkQueryResult(checkout_request_id, code, "answer")

    def register_c2b_urls(self, creds: Shortcode, **urls: str) -> None:
        raise AssertionError


class Later:
    def schedule(self, *args: object) -> None:
        raise AssertionError("the sweep settles now")


def request(session, pupil, status, *, age, checkout=None):
    made = record_request(
        session,
        school_id=pupil.school_id,
        student_id=pupil.id,
        phone=PARENT,
        amount=1_000_00,
        channel="ussd",
        now=NOW - age,
    )
    made.status, made.checkout_request_id = status, checkout
    made.sent_at = NOW - age if checkout else None
    return made


def test_the_sweep_settles_requests_whose_work_was_lost(engine, session, family):
    school, pupil = family
    minutes = dt.timedelta(minutes=1)
    lost_push = request(session, pupil, RequestStatus.PENDING, age=10 * minutes)
    died_mid_push = request(session, pupil, RequestStatus.SENDING, age=10 * minutes)
    paid = request(session, pupil, RequestStatus.SENT, age=30 * minutes, checkout="ws_CO_paid")
    silent = request(session, pupil, RequestStatus.SENT, age=30 * minutes, checkout="ws_CO_silent")
    fresh = request(session, pupil, RequestStatus.PENDING, age=minutes)
    session.commit()
    gateway = FakeDaraja({"ws_CO_paid": "0", "ws_CO_silent": None})
    services = bootstrap(Settings(webhook_token="t", public_url="https://karo.example"), engine=engine)
    desk = compose_mpesa(services, gateway=gateway, scheduler=Later(), clock=lambda: NOW)
    swept = sweep(desk)
    assert (swept.failed, swept.review, swept.queried) == (1, 1, 2)
    states = dict(session.execute(select(PaymentRequestRecord.id, PaymentRequestRecord.status)).all())
    assert states == {
        lost_push.id: RequestStatus.FAILED,
        died_mid_push.id: RequestStatus.REVIEW,
        paid.id: RequestStatus.PAID,
        silent.id: RequestStatus.REVIEW,
        fresh.id: RequestStatus.PENDING,
    }
    (payment,) = session.scalars(select(Payment)).all()
    assert payment.reference == "STK-WS_CO_PAID"
    notices = session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.PAYMENT_FAILED))
    assert ["could not send the prompt" in n.body for n in notices] == [True]
    session.rollback()  # SQLite: our reading transaction holds the one write lock
    assert sweep(desk) == type(swept)()  # nothing left
