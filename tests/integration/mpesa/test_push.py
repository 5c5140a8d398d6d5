"""The push job against our own fake of the MpesaGateway port: a callback that outruns the push's own
answer is kept and applied; a request the adapter refuses to send fails for the bursar."""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.inbound import on_stk_callback
from bot.mpesa.push import send_push
from bot.settings import Settings
from ledger.books.tables import Payment
from ledger.payments.callbacks import CallbackFailure
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus, record_request
from providers.daraja import parse_stk_callback
from providers.daraja_types import Shortcode, StkPushAccepted
from tests.integration.mpesa.family import NOW, PARENT

CHECKOUT = "ws_CO_221120261000009"


def callback_body(receipt: str = "TKEARLY001") -> dict:
    items = [
        {"Name": "Amount", "Value": 1000.0},
        {"Name": "MpesaReceiptNumber", "Value": receipt},
        {"Name": "TransactionDate", "Value": 20261122100000},
        {"Name": "PhoneNumber", "Value": int(PARENT.lstrip("+"))},
    ]
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "m-9",
                "CheckoutRequestID": CHECKOUT,
                "ResultCode": 0,
                "ResultDesc": "ok",
                "CallbackMetadata": {"Item": items},
            }
        }
    }


class RacingDaraja:
    """Accepts the push, but the parent's callback reaches Karo before the push's answer does."""

    def __init__(self) -> None:
        self.desk = None
        self.pushed: list[dict] = []

    def stk_push(self, creds: Shortcode, **fields: object) -> StkPushAccepted:
        self.pushed.append(fields)
        body = callback_body()
        assert on_stk_callback(self.desk, parse_stk_callback(body), json.dumps(body)) == "kept"
        return StkPushAccepted("m-9", CHECKOUT, "Success")


class Never:
    def schedule(self, *args: object) -> None:
        pass


def recorded(session, pupil) -> int:
    made = record_request(
        session,
        school_id=pupil.school_id,
        student_id=pupil.id,
        phone=PARENT,
        amount=1_000_00,
        channel="sms",
        now=NOW,
    )
    session.commit()
    return made.id


def desk_for(engine, gateway, public_url="https://karo.example"):
    services = bootstrap(Settings(webhook_token="tok", public_url=public_url), engine=engine)
    return compose_mpesa(services, gateway=gateway, scheduler=Never(), clock=lambda: NOW)


def test_a_callback_that_outruns_the_push_is_kept_then_applied(engine, session, family):
    school, pupil = family
    request_id = recorded(session, pupil)
    gateway = RacingDaraja()
    gateway.desk = desk = desk_for(engine, gateway)
    send_push(desk, request_id)
    session.expire_all()
    request = session.get(PaymentRequestRecord, request_id)
    (payment,) = session.scalars(select(Payment)).all()
    assert (request.status, request.receipt, payment.reference) == (
        RequestStatus.PAID,
        "TKEARLY001",
        "TKEARLY001",
    )
    (kept,) = session.scalars(select(CallbackFailure)).all()
    assert kept.resolved and "applied" in kept.reason
    (fields,) = gateway.pushed
    assert fields["callback_url"] == "https://karo.example/daraja/stk/tok"
    assert (fields["phone"], fields["amount"], fields["account_reference"]) == (
        "254712000001",
        1000,
        "KJA001",
    )


class Refusing:
    def stk_push(self, creds: Shortcode, **fields: object) -> StkPushAccepted:
        raise ValueError("CallBackURL 'https://karo.example/daraja/stk/sql' contains 'sql'")


def test_a_push_the_adapter_refuses_to_send_fails_for_the_bursar(engine, session, family):
    school, pupil = family
    request_id = recorded(session, pupil)
    send_push(desk_for(engine, Refusing()), request_id)
    session.expire_all()
    request = session.get(PaymentRequestRecord, request_id)
    assert request.status == RequestStatus.FAILED and request.flagged and "sql" in request.flag_reason


def test_without_a_public_url_nothing_is_pushed_and_the_bursar_is_told(engine, session, family):
    school, pupil = family
    request_id = recorded(session, pupil)
    send_push(desk_for(engine, Refusing(), public_url=None), request_id)
    session.expire_all()
    request = session.get(PaymentRequestRecord, request_id)
    assert request.status == RequestStatus.FAILED and "KARO_PUBLIC_URL" in request.flag_reason


def test_without_redis_the_work_runs_on_timers_in_this_process_and_with_it_on_rq(engine):
    from redis import Redis

    from bot.mpesa.scheduling import RqScheduler, ThreadScheduler
    from bot.mpesa.tasks import run_task
    from tests.integration.mpesa.harness import MPESA_REDIS_URL

    embedded = compose_mpesa(bootstrap(Settings(daraja_api_url="http://127.0.0.1:9"), engine=engine))
    assert isinstance(embedded.scheduler, ThreadScheduler) and isinstance(embedded.scheduler.run, partial)
    assert (embedded.scheduler.run.func, embedded.scheduler.run.args) == (run_task, (embedded,))
    redis = Redis.from_url(MPESA_REDIS_URL)
    try:
        queued = compose_mpesa(bootstrap(Settings(redis_url=MPESA_REDIS_URL), engine=engine, redis=redis))
        assert isinstance(queued.scheduler, RqScheduler) and queued.gateway is None
    finally:
        redis.close()
