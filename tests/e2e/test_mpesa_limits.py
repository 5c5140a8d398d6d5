"""M-Pesa's limits (KES 1 to 250,000 a transaction) bound what Karo takes, and a receipt repeated with another
amount or account is kept for the bursar, shown on the school's suspense page (and no other school's)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.books.tables import Payment
from ledger.payments.callbacks import CallbackFailure
from ledger.payments.stk_requests import PaymentRequestRecord, record_request
from ledger.records.tables import School, Student
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.dashboard.conftest import BURSAR_B, clock, dashboard_client, sign_in, staffed  # noqa: F401
from tests.e2e.test_webhook_fuzz import c2b, stk
from tests.e2e.ussd_helpers import TOKEN


@pytest.fixture
def daraja(engine, redis, schools):
    settings = Settings(database_url="sqlite://", redis_url=REDIS_URL, webhook_token=TOKEN)
    with TestClient(create_app(bootstrap(settings, engine=engine, redis=redis))) as client:
        yield client


def post(client, route, body):
    response = client.post(f"/daraja/{route}/{TOKEN}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def rows(factory, table):
    with factory() as session:
        return session.scalars(select(table).order_by(table.id)).all()


def school_id(factory, slug):
    with factory() as session:
        return session.scalars(select(School.id).where(School.slug == slug)).one()


OUT, IN = "C2B00013", "0"


@pytest.mark.parametrize(
    ("amount", "code"), [("250001.00", OUT), ("0.50", OUT), ("1e20", OUT), ("250000.00", IN), ("1.00", IN)]
)
def test_validation_rejects_an_amount_outside_mpesas_limits(daraja, amount, code):
    assert post(daraja, "c2b/validate", c2b(amount=amount))["ResultCode"] == code


@pytest.mark.parametrize("amount", ["250001.00", "1e20"])
def test_a_confirmation_outside_the_limits_is_kept_for_the_school_and_never_posted(daraja, schools, amount):
    assert post(daraja, "c2b/confirm", c2b("TKBIG00001", amount=amount))["ResultCode"] == 0
    assert rows(schools, Payment) == []
    (kept,) = rows(schools, CallbackFailure)
    assert kept.school_id == school_id(schools, "kilimani") and "limits" in kept.reason
    assert "TKBIG00001" in kept.payload


def test_an_stk_callback_outside_the_limits_is_kept_and_never_posted(daraja, schools):
    with schools.begin() as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        request = record_request(
            session, school_id=pupil.school_id, student_id=pupil.id, phone=PARENT, amount=5_000_00,
            channel="ussd", now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        request.checkout_request_id = "ws_CO_BIG"
    assert post(daraja, "stk", stk("ws_CO_BIG", "TKSTKBIG01", amount=300_000))["ResultCode"] == 0
    assert rows(schools, Payment) == []
    (kept,) = rows(schools, CallbackFailure)
    assert kept.school_id == school_id(schools, "kilimani") and "limits" in kept.reason
    (flagged,) = rows(schools, PaymentRequestRecord)
    assert flagged.flagged and "limits" in flagged.flag_reason


def test_a_conflicting_repeat_is_kept_and_shown_to_the_schools_bursar_only(daraja, engine, staffed, clock):  # noqa: F811
    schools = staffed
    assert post(daraja, "c2b/confirm", c2b("TKREP00001", amount="5000.00"))["ResultCode"] == 0
    assert post(daraja, "c2b/confirm", c2b("TKREP00001", amount="5000.00"))["ResultCode"] == 0  # a plain copy
    assert rows(schools, CallbackFailure) == []
    assert post(daraja, "c2b/confirm", c2b("TKREP00001", amount="9000.00"))["ResultCode"] == 0
    assert post(daraja, "c2b/confirm", c2b("TKREP00001", amount="5000.00", BillRefNumber="A TYPO"))
    (payment,) = rows(schools, Payment)
    assert payment.amount == 5_000_00
    other, account = rows(schools, CallbackFailure)
    assert "conflicting repeat of TKREP00001" in other.reason and "9,000.00" in other.reason
    assert "conflicting repeat" in account.reason and "A TYPO" in account.reason
    assert {other.school_id, account.school_id} == {school_id(schools, "kilimani")}
    with dashboard_client(engine, clock) as web:
        assert sign_in(web, "bursar@kilimani.ac.ke").status_code == 303
        page = web.get("/dashboard/suspense").text
        assert "conflicting repeat of TKREP00001" in page and "9,000.00" in page
        assert "<title>Suspense - Karo</title>" in page and page.count("kept for review</h2>") == 1
    with dashboard_client(engine, clock) as web:
        assert sign_in(web, BURSAR_B).status_code == 303
        assert "TKREP00001" not in web.get("/dashboard/suspense").text
