"""Email as a channel, end to end: receipts sent through a real SMTP server on loopback (the aiosmtpd sink
``karo demo`` runs) by Karo's SMTP client, a bounce (the server answers 550) sent again by SMS through the
Africa's Talking simulator, and each family reached on the channel it prefers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.handlers import registry
from bot.outbox.emails import compose
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Channel, Guardian, Language, School, SchoolClass, Student
from providers.simulators.smtp import SmtpSink, start_sink
from tests import builders as b
from tests.e2e.conftest import TODAY
from tests.e2e.test_messaging import dispatch, simulated_settings, whatsapp
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

BY_EMAIL, BY_WHATSAPP, BY_SMS, BOUNCING = "+254712000011", "+254712000012", "+254712000013", "+254712000014"
GONE = "gone@example.com"


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink()
    url, _, stop = start_sink(sink)
    yield sink, url
    stop()


@pytest.fixture
def sink(smtp):
    server, _ = smtp
    with server.lock:
        server.messages.clear()
        server.bounces.clear()
    server.bounce(GONE)
    return server


@pytest.fixture
def services(engine, redis, schools, at_sim, twilio_sim, smtp):  # noqa: F811
    settings = simulated_settings(at_sim, twilio_sim).with_changes(
        smtp_url=smtp[1], email_from="Kilimani fees <fees@karo.example>"
    )
    return bootstrap(settings, engine=engine, redis=redis)


@pytest.fixture
def app(services):
    with TestClient(create_app(services)) as client:
        yield client


@pytest.fixture
def families(schools) -> dict[str, int]:
    """Four Kilimani families, each with its preference; the student id by the guardian's phone."""
    wanted = {
        BY_EMAIL: (Channel.EMAIL, "wanjiru.kamau@example.com", Language.SW),
        BY_WHATSAPP: (Channel.WHATSAPP, None, Language.EN),
        BY_SMS: (Channel.SMS, "has.one@example.com", Language.EN),  # an address, but SMS is the choice
        BOUNCING: (Channel.EMAIL, GONE, Language.EN),
    }
    with schools.begin() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
        pupils = {}
        for n, (phone, (channel, email, language)) in enumerate(wanted.items()):
            pupil = b.student(session, grade, f"KJA-10{n}", f"Child {n}")
            guardian = b.guardian(session, school, phone, pupil, name=f"Parent {n}")
            guardian.preferred_channel, guardian.email, guardian.language = channel, email, language
            pupils[phone] = pupil.id
    return pupils


def pay(schools, student_id: int, reference: str, cents: int = 2_500_00) -> None:
    with schools.begin() as session:
        pupil = session.get_one(Student, student_id)
        received = Received(PaymentSource.CASH, reference, cents, TODAY)
        record_payment(session, pupil.school_id, received, pupil, actor="bursar")


def receipts(schools) -> dict[str, OutboxMessage]:
    with schools() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.RECEIPT))
        return {f"{row.phone} {row.channel}": row for row in rows}


def test_a_receipt_by_email_carries_its_pdf_and_a_bounce_goes_again_by_sms(
    services,
    schools,
    families,
    sink,
    at_sim,  # noqa: F811
):
    pay(schools, families[BY_EMAIL], "CASH-501")
    pay(schools, families[BOUNCING], "CASH-502")
    dispatch(services)

    (mail,) = sink.inbox()
    assert mail["to"] == ["wanjiru.kamau@example.com"] and mail["from"] == "fees@karo.example"
    assert mail["subject"] == "Kilimani Junior Academy: Risiti ya malipo" and mail["language"] == "sw"
    assert "Tumepokea KES 2,500 kwa Child 0 (KJA-100)" in mail["text"]
    assert "Risiti rasmi imeambatishwa" in mail["text"]
    assert '<html lang="sw">' in mail["html"] and "Tumepokea KES 2,500" in mail["html"]
    (attached,) = mail["attachments"]
    assert attached["type"] == "application/pdf" and attached["starts"] == "%PDF-"
    sent = receipts(schools)
    receipt_no = attached["filename"].removeprefix("receipt-").removesuffix(".pdf")
    assert receipt_no in sent[f"{BY_EMAIL} email"].body
    assert sent[f"{BY_EMAIL} email"].status == MessageStatus.SENT
    assert sent[f"{BY_EMAIL} email"].provider_id == mail["message_id"]

    bounced = sent[f"{BOUNCING} email"]
    assert bounced.status == MessageStatus.FAILED and bounced.failure_reason.startswith("550 5.1.1")
    fallback = sent[f"{BOUNCING} sms"]
    (texted,) = at_sim.messages()
    assert texted["to"] == BOUNCING and texted["message"] == fallback.body == bounced.body
    assert fallback.status == MessageStatus.SENT and fallback.provider == "africastalking"
    with schools() as session:
        gone = session.scalars(select(Guardian).where(Guardian.phone == BOUNCING)).one()
        assert gone.email_bounced_at is not None

    pay(schools, families[BOUNCING], "CASH-503")  # the address bounced: the next receipt goes by SMS at once
    dispatch(services)
    assert len(sink.inbox()) == 1 and [m["to"] for m in at_sim.messages()] == [BOUNCING, BOUNCING]
    with schools() as session:  # no second email attempt, and the first bounce's SMS written once
        channels = session.scalars(select(OutboxMessage.channel).where(OutboxMessage.phone == BOUNCING))
        assert sorted(channels) == ["email", "sms", "sms"]


def test_a_busy_mail_server_is_tried_again_later_and_the_mail_goes_once(
    services,
    schools,
    families,
    sink,
    at_sim,  # noqa: F811
):
    sink.defer(1)  # 451 to the first message
    pay(schools, families[BY_EMAIL], "CASH-601")
    dispatch(services)
    (row,) = receipts(schools).values()
    assert row.status == MessageStatus.QUEUED and "451" in row.failure_reason and sink.inbox() == []
    with schools.begin() as session:  # the retry falls due
        session.get_one(OutboxMessage, row.id).next_attempt_at = dt.datetime.now(dt.UTC)
    dispatch(services)
    assert len(sink.inbox()) == 1 and at_sim.messages() == []
    assert receipts(schools)[f"{BY_EMAIL} email"].status == MessageStatus.SENT


def test_three_families_get_their_receipts_by_email_whatsapp_and_sms(
    app,
    services,
    schools,
    families,
    sink,
    at_sim,  # noqa: F811
    twilio_sim,  # noqa: F811
):
    whatsapp(app, "hi", "SM_pref_1", phone=BY_WHATSAPP)  # the 24-hour window opens
    for n, phone in enumerate((BY_EMAIL, BY_WHATSAPP, BY_SMS)):
        pay(schools, families[phone], f"CASH-70{n}")
    dispatch(services)

    (mail,) = sink.inbox()
    assert mail["to"] == ["wanjiru.kamau@example.com"]
    pdf = mail["attachments"][0]
    assert pdf["filename"].endswith(".pdf") and pdf["size"] > 500
    chats = [m for m in twilio_sim.messages() if "Received KES 2,500" in (m.get("body") or "")]
    assert [m["to"] for m in chats] == [f"whatsapp:{BY_WHATSAPP}"]
    (texted,) = at_sim.messages()
    assert texted["to"] == BY_SMS and "Received KES 2,500 for Child 2" in texted["message"]
    assert sorted(receipts(schools)) == [f"{BY_EMAIL} email", f"{BY_WHATSAPP} whatsapp", f"{BY_SMS} sms"]


def test_the_attached_receipt_is_the_official_one(schools, families):
    """The PDF an email carries names the child and the amount."""
    pay(schools, families[BY_EMAIL], "CASH-801", cents=1_234_00)
    with schools() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.RECEIPT)).one()
        guardian = session.get_one(Guardian, row.guardian_id)
        email = compose(session, row, guardian)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(email.attachments[0].content)).pages)
    assert "Child 0" in text and "1,234" in text


def test_without_smtp_settings_a_family_preferring_email_gets_sms_and_a_warning_is_logged_once(
    engine,
    redis,
    schools,
    families,
    at_sim,  # noqa: F811
    twilio_sim,  # noqa: F811
    caplog,
):
    registry._warn_no_email.cache_clear()  # as in a fresh process
    services = bootstrap(simulated_settings(at_sim, twilio_sim), engine=engine, redis=redis)
    pay(schools, families[BY_EMAIL], "CASH-901")
    with caplog.at_level("WARNING", logger="bot.channels.handlers.registry"):
        dispatch(services)
        dispatch(services)
    (texted,) = at_sim.messages()
    assert texted["to"] == BY_EMAIL and "Tumepokea KES 2,500" in texted["message"]
    assert [r.message for r in caplog.records].count(
        "KARO_SMTP_URL is not set: no email channel; guardians who prefer email are sent SMS"
    ) == 1
