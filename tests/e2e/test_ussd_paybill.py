"""A school without a Daraja app: parents are shown its Paybill, and no M-Pesa prompt is asked for."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.crypto import SecretBox
from bot.mpesa.credentials import store_credentials
from bot.settings import Settings
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.tables import School
from providers.daraja_types import Shortcode
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN, Dial

SECRET = "e2e-secret-key-for-daraja-credentials"
# A Daraja that is not a local simulator: a school needs its own app to prompt (nothing is pushed here:
# the request is only queued, and no worker runs).
SANDBOX = "https://sandbox.safaricom.co.ke"


@pytest.fixture
def daraja_client(engine, redis, schools):
    with schools.begin() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        store_credentials(kilimani, Shortcode("522533", "pk", "ck", "cs"), SecretBox(SecretStr(SECRET)))
    settings = Settings(
        database_url="sqlite://",
        redis_url=REDIS_URL,
        webhook_token=TOKEN,
        secret_key=SECRET,
        daraja_api_url=SANDBOX,
    )
    with TestClient(create_app(bootstrap(settings, engine=engine, redis=redis))) as client:
        yield client


def requests(schools) -> list[PaymentRequestRecord]:
    with schools() as session:
        return list(session.scalars(select(PaymentRequestRecord)).all())


def test_pay_at_a_school_without_daraja_shows_its_paybill_and_asks_for_no_prompt(daraja_client, schools):
    dial = Dial(daraja_client, PARENT, code="*384*26#")  # Mwangaza: no Daraja app
    reply = dial.choose("Pay")
    assert "Pay by M-Pesa Paybill 522533, account MS-100." in reply
    assert "prompt" not in reply and "Other amount" not in reply
    dial.press("1", "1")
    assert requests(schools) == []


def test_a_school_with_daraja_still_prompts(daraja_client, schools):
    dial = Dial(daraja_client, PARENT, code="*384*25#")  # Kilimani: its own Daraja app
    dial.choose("Pay")
    dial.choose("Full balance")
    dial.choose("Confirm")
    assert dial.ended and "You will receive an M-Pesa prompt" in dial.reply
    assert len(requests(schools)) == 1
