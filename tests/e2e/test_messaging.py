"""Parents on SMS and WhatsApp, end to end: webhooks into the app, replies through the outbox, sent to the
vendor simulators over HTTP by the real adapters; real Redis and PostgreSQL/SQLite."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.conversations import RedisConversationStore
from bot.outbox.senders import build_dispatcher
from bot.settings import Settings
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

PUBLIC_URL = "https://karo.example"
TWILIO_TOKEN = "simulator-token"
FREE = {"africastalking": 0, "twilio": 0}  # rate limits lifted for tests


def simulated_settings(at_sim, twilio_sim) -> Settings:  # noqa: F811
    """Karo's settings with both messaging providers pointed at their simulators."""
    return Settings(
        redis_url=REDIS_URL,
        webhook_token=TOKEN,
        public_url=PUBLIC_URL,
        at_username="sandbox",
        at_api_key="simulator-key",
        at_api_url=at_sim.url,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_api_url=twilio_sim.url,
        twilio_whatsapp_from="+14155238886",
        twilio_sms_from="+15005550006",
    )


@pytest.fixture
def services(engine, redis, schools, at_sim, twilio_sim):  # noqa: F811
    return bootstrap(simulated_settings(at_sim, twilio_sim), engine=engine, redis=redis)


@pytest.fixture
def app(services):
    with TestClient(create_app(services)) as client:
        yield client


def dispatch(services):
    return build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE).run()


def twilio_post(app, path, **fields):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, fields)
    return app.post(path, data=fields, headers={"X-Twilio-Signature": signature})


def whatsapp(app, text, sid, phone=PARENT):
    response = twilio_post(
        app,
        "/twilio/whatsapp",
        From=f"whatsapp:{phone}",
        To="whatsapp:+14155238886",
        Body=text,
        MessageSid=sid,
        AccountSid="AC" + "0" * 32,
        NumMedia="0",
    )
    assert response.status_code == 200, response.text
    return response


def sms(app, text, message_id, phone=PARENT):
    response = app.post(
        f"/at/sms/{TOKEN}",
        data={
            "from": phone,
            "to": "22384",
            "text": text,
            "id": message_id,
            "date": "2026-11-22 10:00:00",
            "linkId": "",
        },
    )
    assert response.status_code == 200, response.text


def outbox(schools):
    with schools() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def last_reply(schools):
    return outbox(schools)[-1].body


def test_whatsapp_from_hi_to_a_balance_reaches_the_parents_phone(app, services, schools, twilio_sim):  # noqa: F811
    whatsapp(app, "hi", "SM001")
    assert "Kilimani" in last_reply(schools)  # choose the school first: this phone is in two
    whatsapp(app, "1", "SM002")
    menu = last_reply(schools)
    balance_key = next(line.split(".")[0] for line in menu.splitlines() if "Balance" in line)
    whatsapp(app, balance_key, "SM003")
    assert "35,000" in last_reply(schools)
    report = dispatch(services)
    sent = twilio_sim.messages()
    assert report.sent == 3 and [m["to"] for m in sent] == [f"whatsapp:{PARENT}"] * 3
    assert "35,000" in sent[-1]["body"]


def test_salio_by_keyword_answers_in_kiswahili(app, services, schools, twilio_sim):  # noqa: F811
    whatsapp(app, "SALIO", "SM010")
    dispatch(services)
    (sent,) = twilio_sim.messages()
    assert "Salio" in sent["body"] and "35,000" in sent["body"] and "48,000" in sent["body"]


def test_sms_bal_for_a_parent_of_two_children(app, services, schools, at_sim):  # noqa: F811
    sms(app, "BAL", "ATXid_in_1")
    dispatch(services)
    (sent,) = at_sim.messages()
    assert sent["to"] == PARENT and "Achieng Otieno" in sent["message"] and "Baraka Otieno" in sent["message"]
    assert "35,000" in sent["message"] and "48,000" in sent["message"]


def test_a_typographic_apostrophe_in_a_name_is_sent_as_gsm7_in_one_part(app, services, schools, at_sim):  # noqa: F811
    with schools() as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        pupil.name = "Wanjiru Ng\u2019ang\u2019a"
        received = Received(PaymentSource.CASH, "RCT-2", 1_000_00, dt.date.today())
        record_payment(session, pupil.school_id, received, pupil, actor="bursar")
        session.commit()
    dispatch(services)
    (sent,) = at_sim.messages()
    assert "Wanjiru Ng'ang'a" in sent["message"] and sent["segments"] == 1, sent


def test_a_forged_twilio_request_is_refused_and_changes_nothing(app, schools):
    fields = {"From": f"whatsapp:{PARENT}", "To": "whatsapp:+14155238886", "Body": "BAL", "MessageSid": "SMx"}
    assert app.post("/twilio/whatsapp", data=fields).status_code == 403  # unsigned
    forged = RequestValidator("not-the-token").compute_signature(PUBLIC_URL + "/twilio/whatsapp", fields)
    assert (
        app.post("/twilio/whatsapp", data=fields, headers={"X-Twilio-Signature": forged}).status_code == 403
    )
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + "/twilio/whatsapp", fields)
    tampered = dict(fields, Body="PAY 100")
    assert (
        app.post("/twilio/whatsapp", data=tampered, headers={"X-Twilio-Signature": signed}).status_code == 403
    )
    assert outbox(schools) == []


def test_a_duplicated_inbound_message_is_answered_once(app, services, schools, at_sim):  # noqa: F811
    for _ in range(3):
        sms(app, "BAL", "ATXid_dup")
    dispatch(services)
    assert len(outbox(schools)) == 1 and len(at_sim.messages()) == 1


def test_an_opted_out_phone_is_sent_nothing(app, services, schools, at_sim):  # noqa: F811
    assert (
        app.post(f"/at/opt-out/{TOKEN}", data={"senderId": "KARO", "phoneNumber": PARENT}).status_code == 200
    )
    with schools() as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        received = Received(PaymentSource.CASH, "RCT-1", 1_000_00, dt.date.today())
        record_payment(session, pupil.school_id, received, pupil, actor="bursar")
        session.commit()
    dispatch(services)
    assert at_sim.messages() == []
    (receipt,) = outbox(schools)
    assert (receipt.status, receipt.failure_reason) == (
        MessageStatus.FAILED,
        "not sent: the parent opted out",
    )


def test_429_and_5xx_are_retried_and_a_permanent_refusal_is_recorded(app, services, schools, at_sim):  # noqa: F811
    sms(app, "HELP", "ATXid_h1")
    at_sim.fail(2, status=429)
    dispatch(services)
    (message,) = outbox(schools)
    assert message.status == MessageStatus.QUEUED and "429" in message.failure_reason
    with schools.begin() as session:  # time passes: the retry falls due
        session.get(OutboxMessage, message.id).next_attempt_at = dt.datetime.now(dt.UTC)
    dispatch(services)
    assert outbox(schools)[0].status == MessageStatus.QUEUED  # the second 429
    with schools.begin() as session:
        session.get(OutboxMessage, message.id).next_attempt_at = dt.datetime.now(dt.UTC)
    dispatch(services)
    delivered_to_provider = [m for m in at_sim.messages() if m["accepted"]]
    assert outbox(schools)[0].status == MessageStatus.SENT and len(delivered_to_provider) == 1
    sms(app, "MSAADA", "ATXid_h2")
    at_sim.control("POST", "fail", count=1, message="InsufficientBalance")
    dispatch(services)
    refused = outbox(schools)[-1]
    assert refused.status == MessageStatus.FAILED and "InsufficientBalance" in refused.failure_reason


def test_a_late_status_callback_never_moves_a_delivered_message_back(app, services, schools):
    whatsapp(app, "BAL", "SM020")
    dispatch(services)
    sid = outbox(schools)[0].provider_id
    for status in ("delivered", "sent", "queued", "failed"):
        response = twilio_post(
            app, "/twilio/status", MessageSid=sid, MessageStatus=status, AccountSid="AC" + "0" * 32
        )
        assert response.status_code == 204
    assert outbox(schools)[0].status == MessageStatus.DELIVERED
    assert (
        app.post("/twilio/status", data={"MessageSid": sid, "MessageStatus": "failed"}).status_code
        == httpx.codes.FORBIDDEN
    )


def test_a_malformed_callback_gets_400_and_changes_nothing(app, schools):
    assert app.post(f"/at/sms/{TOKEN}", data={"from": PARENT, "text": "BAL"}).status_code == 400  # no id
    assert (
        app.post(f"/at/sms-status/{TOKEN}", data={"id": "ATXid_1", "status": "Nonsense"}).status_code == 400
    )
    assert outbox(schools) == []
