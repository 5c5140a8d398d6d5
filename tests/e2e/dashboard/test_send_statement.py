"""A student's statement sent to the family from the student page, end to end: the form (head and bursar,
not a clerk; another school's student is 404), one outbox message per guardian however often it is
pressed that day, and the dispatcher sending each by the guardian's channel: email through a real SMTP
server on loopback with the statement attached as PDF, SMS through the Africa's Talking simulator."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import Services
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.records.tables import Channel, Guardian, Language, School, Student
from ledger.sms_parts import sms_segments
from ledger.staff.audit import AuditEntry
from providers.simulators.smtp import SmtpSink
from tests import builders as b
from tests.e2e.dashboard.conftest import BURSAR_B, CLERK_A, FAST, HEAD_A, Clock, csrf_of, sign_in
from tests.e2e.dashboard.test_pages import enrol, pay
from tests.e2e.test_email import services, sink, smtp  # noqa: F401
from tests.e2e.test_messaging import dispatch
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

BY_EMAIL, BY_SMS = "+254712000021", "+254712000022"
MAMA = "mama.brian@example.com"


@pytest.fixture
def web(services: Services, staffed: sessionmaker[Session], clock: Clock) -> Iterator[TestClient]:  # noqa: F811
    """The dashboard of the app whose dispatcher sends by SMTP and the simulators."""
    app = create_app(services)
    app.state.dashboard.clock = clock
    app.state.dashboard.passwords = FAST
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def family(staffed: sessionmaker[Session]) -> int:
    """Brian, invoiced KES 35,000 and paid KES 10,000; his mother prefers email (in Kiswahili), his father
    SMS. The payment's own receipts are marked sent, so only the statement is left to send."""
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=BY_EMAIL)
    with transaction(staffed) as session:
        student = session.get_one(Student, pupil)
        school = session.get_one(School, student.school_id)
        father = b.guardian(session, school, BY_SMS, student, name="Baba Brian")
        mother = session.scalars(select(Guardian).where(Guardian.phone == BY_EMAIL)).one()
        mother.preferred_channel, mother.email, mother.language = Channel.EMAIL, MAMA, Language.SW
        father.preferred_channel = Channel.SMS
    pay(staffed, "KJA-002", 10_000_00, "CASH-901", PaymentSource.CASH)
    with transaction(staffed) as session:
        for row in session.scalars(select(OutboxMessage)):
            row.status = MessageStatus.SENT
    return pupil


def press(client: TestClient, pupil: int) -> httpx.Response:
    token = csrf_of(client.get(f"/dashboard/students/{pupil}"))
    return client.post(f"/dashboard/students/{pupil}/statement/send", data={"csrf_token": token})


def statements(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.category == Category.STATEMENT)
        return list(session.scalars(query.order_by(OutboxMessage.phone, OutboxMessage.id)))


def test_the_family_gets_the_statement_by_email_with_its_pdf_and_by_sms_once_a_day(
    web: TestClient,
    services: Services,  # noqa: F811
    staffed: sessionmaker[Session],
    family: int,
    sink: SmtpSink,  # noqa: F811
    at_sim,  # noqa: F811
) -> None:
    assert sign_in(web, HEAD_A).status_code == 303
    page = web.get(f"/dashboard/students/{family}").text
    assert "Send statement to family" in page
    first = press(web, family)
    assert first.status_code == 303
    assert "Statement sent to 2 guardians." in web.get(first.headers["location"]).text
    again = press(web, family)  # pressed again the same day: nobody is sent it twice
    assert "already sent to the family today" in web.get(again.headers["location"]).text
    queued = statements(staffed)
    assert [(row.phone, row.channel, row.guardian_id is not None) for row in queued] == [
        (BY_EMAIL, "auto", True),
        (BY_SMS, "auto", True),
    ]
    with staffed() as session:
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "statement.send")).all()
        assert len(audits) == 1 and audits[0].actor == HEAD_A and audits[0].target == f"student:{family}"

    dispatch(services)

    (mail,) = sink.inbox()
    assert mail["to"] == [MAMA] and mail["subject"] == "Kilimani Junior Academy: Taarifa ya ada"
    assert mail["language"] == "sw" and "25,000" in mail["text"] and "Taarifa kamili" in mail["text"]
    assert '<html lang="sw">' in mail["html"]
    (attached,) = mail["attachments"]
    assert attached["filename"] == "statement-KJA-002.pdf" and attached["type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(sink.attachment(mail["id"])))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Brian Kamau" in text and "Balance due KES 25,000" in text and "CASH-901" in text

    (texted,) = [m for m in at_sim.messages() if m["to"] == BY_SMS]
    assert "Brian Kamau (KJA-002)" in texted["message"] and "25,000" in texted["message"]
    assert texted["message"].endswith("Full statement: reply STMT") and sms_segments(texted["message"]) <= 2
    assert "CASH-901" not in texted["message"] and "KIL-2026-" in texted["message"]  # the receipt number
    sent = statements(staffed)
    assert [(row.channel, row.status) for row in sent] == [
        ("email", MessageStatus.SENT),
        ("sms", MessageStatus.SENT),
    ]


def test_a_clerk_cannot_send_a_statement_and_another_schools_student_is_not_found(
    web: TestClient, staffed: sessionmaker[Session], family: int
) -> None:
    assert sign_in(web, CLERK_A).status_code == 303
    assert "Send statement to family" not in web.get(f"/dashboard/students/{family}").text
    assert press_with_any_page(web, family) == 403
    web.cookies.clear()
    assert sign_in(web, BURSAR_B).status_code == 303
    assert press_with_any_page(web, family) == 404
    assert statements(staffed) == []


def press_with_any_page(client: TestClient, pupil: int) -> int:
    token = csrf_of(client.get("/dashboard/students"))
    return client.post(f"/dashboard/students/{pupil}/statement/send", data={"csrf_token": token}).status_code
