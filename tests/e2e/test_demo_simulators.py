"""The demo's simulators wired to Karo over real HTTP: a parent's message in, the reply out, and the
provider's delivery report back to Karo's webhook, which moves the outbox row to delivered."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.simulators import providers_configured, start_simulators
from bot.settings import Settings
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests.browser.conftest import simulated_karo
from tests.e2e.conftest import PARENT
from tests.integration.providers.conftest import wait_for


def outbox(schools: sessionmaker[Session]) -> list[OutboxMessage]:
    with schools() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def settled(schools: sessionmaker[Session], status: MessageStatus) -> OutboxMessage | None:
    rows = outbox(schools)
    return rows[0] if len(rows) == 1 and rows[0].status == status else None


def test_an_sms_reply_is_marked_delivered_when_the_simulators_report_back(
    engine: Engine, schools: sessionmaker[Session]
) -> None:
    with simulated_karo(engine, sending=False) as karo:
        assert karo.simulators.send_sms(PARENT, "BAL") == 200
        (reply,) = outbox(schools)
        assert reply.status == MessageStatus.QUEUED and "35,000" in reply.body
        assert karo.dispatcher.run().sent == 1
        delivered = wait_for(lambda: settled(schools, MessageStatus.DELIVERED))
    assert delivered.provider == "africastalking" and delivered.provider_id.startswith("ATXid_")


def test_a_whatsapp_reply_is_read_through_status_callbacks_signed_for_the_demos_url(
    engine: Engine, schools: sessionmaker[Session]
) -> None:
    with simulated_karo(engine, sending=False) as karo:
        assert karo.simulators.send_whatsapp(PARENT, "SALIO") == 200
        karo.dispatcher.run()
        read = wait_for(lambda: settled(schools, MessageStatus.READ))
        (line,) = karo.simulators.whatsapp_chat(PARENT)[1:]
    assert read.provider == "twilio" and read.channel == "whatsapp"
    assert line.sender == "karo" and "Salio" in line.text and line.status == "read"


def test_the_demos_whatsapp_receipt_carries_a_pdf_link_the_sandbox_shows_and_can_fetch(
    engine: Engine, schools: sessionmaker[Session]
) -> None:
    with schools() as session:  # the demo has no KARO_SECRET_KEY: links are keyed from the webhook token
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        received = Received(PaymentSource.CASH, "CASH-DEMO-1", 2_500_00, dt.date.today())
        payment, _ = record_payment(session, pupil.school_id, received, pupil, actor="bursar")
        number = payment.receipt_no
        session.commit()
    with simulated_karo(engine, sending=False) as karo:
        assert karo.simulators.send_whatsapp(PARENT, "RECEIPT") == 200
        karo.dispatcher.run()
        chat = karo.simulators.whatsapp_chat(PARENT)
        at = next(i for i, line in enumerate(chat) if line.document)
        line = chat[at]  # the PDF on its own, after the text that names it
        assert number in chat[at - 1].text and line.document.startswith(karo.url + "/receipts/")
        fetched = httpx.get(line.document)  # as the sandbox's link (and Twilio) would
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")


def test_the_simulators_configuration_is_what_the_adapters_and_webhooks_expect() -> None:
    settings, stop = start_simulators(Settings(webhook_token="a/b"), "http://127.0.0.1:9/")
    stop()
    assert settings.public_url == "http://127.0.0.1:9"
    assert settings.at_api_key is not None and settings.twilio_auth_token is not None
    assert (settings.at_username, settings.at_api_key.get_secret_value()) == ("sandbox", "simulator-key")
    twilio = (settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value())
    assert twilio == ("AC" + "0" * 32, "simulator-token")
    assert (settings.twilio_whatsapp_from, settings.twilio_sms_from) == ("+14155238886", "+15005550006")
    assert providers_configured(settings) and not providers_configured(Settings())


def test_the_simulators_need_a_webhook_token_for_africas_talkings_callbacks() -> None:
    with pytest.raises(ValueError, match="webhook token"):
        start_simulators(Settings(), "http://127.0.0.1:9")
