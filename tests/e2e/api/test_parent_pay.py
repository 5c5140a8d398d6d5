"""Starting an M-Pesa prompt from the parent API: the push reaches the Daraja simulator and the callback
posts the money; the conversations' rules hold (amount limits, one open prompt per phone, a school that
cannot prompt); ``Idempotency-Key`` answers a retry with the first request."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.payments.stk_requests import RequestStatus
from ledger.records.tables import Student
from tests.e2e.api.parent_helpers import sign_in
from tests.e2e.conftest import PARENT
from tests.e2e.test_mpesa_stk import open_prompt, owed, request_status
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    http,
    karo,
    karo_server,
    mpesa_redis,
    requests,
    services,
)

LIVE = "https://api.safaricom.co.ke"  # the real Daraja: a school without its own app cannot prompt there


def child_id(schools, admission_no="KJA-001"):
    with schools() as session:
        return session.scalars(select(Student.id).where(Student.admission_no == admission_no)).one()


def test_a_payment_started_by_the_api_prompts_the_phone_once_and_posts(http, daraja, schools):  # noqa: F811
    me = sign_in(http, schools, PARENT)
    pay = f"/api/v1/parent/children/{child_id(schools)}/pay"
    started = http.post(pay, json={"amount": 2000}, headers={**me, "Idempotency-Key": "k-1"})
    assert started.status_code == 202, started.text
    assert started.json()["amount"] == 2_000_00 and started.json()["status"] == "queued"
    prompt = open_prompt(daraja)
    assert (prompt["phone"], prompt["amount"], prompt["account_reference"]) == (PARENT[1:], 2000, "KJA001")
    retried = http.post(pay, json={"amount": 2000}, headers={**me, "Idempotency-Key": "k-1"})
    assert (retried.status_code, retried.json()) == (202, started.json())
    other_body = http.post(pay, json={"amount": 3000}, headers={**me, "Idempotency-Key": "k-1"})
    assert other_body.status_code == 409
    second = http.post(pay, json={"amount": 3000}, headers={**me, "Idempotency-Key": "k-2"})
    assert second.status_code == 409 and "already on its way" in second.json()["detail"]
    for amount in (9, 250_001, "ten"):
        assert http.post(pay, json={"amount": amount}, headers=me).status_code == 422
    daraja.resolve(prompt["checkout_request_id"], result_code=0)
    (paid,) = request_status(schools, RequestStatus.PAID)
    assert paid.id == started.json()["request_id"] and paid.channel == "api"
    assert len(requests(schools)) == 1 and owed(schools) == 33_000_00
    assert len(daraja.prompts()) == 1


def test_a_school_that_cannot_prompt_is_a_409_and_records_nothing(engine, redis, schools):
    api = TestClient(
        create_app(bootstrap(Settings(webhook_token=TOKEN, daraja_api_url=LIVE), engine=engine, redis=redis))
    )
    me = sign_in(api, schools, PARENT)
    refused = api.post(f"/api/v1/parent/children/{child_id(schools)}/pay", json={"amount": 500}, headers=me)
    assert refused.status_code == 409 and "Paybill" in refused.json()["detail"]
    assert requests(schools) == []
