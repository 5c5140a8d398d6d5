"""Official receipts reach parents: RECEIPT/RISITI by SMS and WhatsApp, the receipt's PDF as a WhatsApp
document at a signed, expiring public link (fetched through the app, refused when tampered with), and
receipt numbers on the USSD statement; in English and Kiswahili, through the vendor simulators."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.documents.links import receipt_links
from ledger.books.tables import Payment, PaymentSource
from ledger.payments.corrections import Destination, reverse_payment
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Guardian, Language, Student
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.test_messaging import PUBLIC_URL, dispatch, outbox, simulated_settings, sms, whatsapp
from tests.e2e.ussd_helpers import Dial
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

SECRET = "receipt-links-test-secret"


@pytest.fixture
def services(engine, redis, schools, at_sim, twilio_sim):  # noqa: F811
    settings = simulated_settings(at_sim, twilio_sim).with_changes(secret_key=SECRET)
    return bootstrap(settings, engine=engine, redis=redis)


@pytest.fixture
def app(services):
    with TestClient(create_app(services)) as client:
        yield client


@pytest.fixture
def paid(schools) -> dict[str, str]:
    """Achieng (Kilimani) paid twice, the first cancelled; Baraka (Mwangaza) once, yesterday. Receipt
    numbers by reference; the messages the payments caused are marked sent, so only replies remain."""
    yesterday = TODAY - dt.timedelta(days=1)
    with schools() as session:
        pupils = {s.admission_no: s for s in session.scalars(select(Student))}
        for adm, source, ref, cents, on in (
            ("KJA-001", PaymentSource.CASH, "CASH-77", 3_000_00, yesterday),
            ("MS-100", PaymentSource.BANK, "BANK-5", 8_000_00, yesterday),
            ("KJA-001", PaymentSource.MPESA_PAYBILL, "QAB12CD34E", 5_000_00, TODAY),
        ):
            received = Received(source, ref, cents, on)
            record_payment(session, pupils[adm].school_id, received, pupils[adm], actor="bursar")
        session.flush()
        cash = session.scalars(select(Payment).where(Payment.reference == "CASH-77")).one()
        now = dt.datetime.now(dt.UTC)
        reverse_payment(
            session, cash, Destination.VOID, reason="cheque bounced", actor="bursar", now=now, on=TODAY
        )
        numbers = {p.reference: p.receipt_no for p in session.scalars(select(Payment))}
        session.commit()
    with schools.begin() as session:
        for message in outbox(schools):
            session.delete(session.merge(message))
    return numbers


def test_whatsapp_receipt_lists_the_latest_and_sends_the_newest_pdf_at_a_signed_link(
    app,
    services,
    schools,
    paid,
    twilio_sim,  # noqa: F811
):
    whatsapp(app, "receipt", "SM_rcpt_1")
    dispatch(services)
    sent, document = twilio_sim.messages()  # the text, then the PDF on its own (Twilio drops its caption)
    assert sent["media_urls"] == [] and not document["body"]
    body = sent["body"]
    assert body.startswith("Latest receipts:")
    newest, bank, cash = paid["QAB12CD34E"], paid["BANK-5"], paid["CASH-77"]
    assert body.index(newest) < body.index(bank) < body.index(cash)  # newest first, across both schools
    assert "KES 5,000 M-Pesa, Achieng Otieno" in body and "KES 8,000 Bank, Baraka Otieno" in body
    assert "KES 3,000 Cash, Achieng Otieno, CANCELLED" in body

    (link,) = document["media_urls"]  # the newest receipt's PDF, as MediaUrl
    assert link.startswith(f"{PUBLIC_URL}/receipts/") and link.endswith(".pdf")
    assert [m.media_url for m in outbox(schools)] == [None, link]
    fetched = app.get(urlsplit(link).path)  # what Twilio fetches, without signing in
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "application/pdf"
    assert fetched.content.startswith(b"%PDF") and newest in fetched.headers["content-disposition"]
    assert "no-store" in fetched.headers["cache-control"]
    assert app.head(urlsplit(link).path).headers["content-type"] == "application/pdf"


def test_a_tampered_forged_or_expired_link_gets_404_never_the_document(app, services, schools, paid):
    links = receipt_links(services.settings)
    assert links is not None
    with schools() as session:
        payment_id = session.scalars(select(Payment.id).where(Payment.reference == "QAB12CD34E")).one()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    good = links.token(payment_id, later)
    assert app.get(f"/receipts/{good}.pdf").status_code == 200
    number, stamp, mac = good.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forged = receipt_links(services.settings.with_changes(secret_key="another-deployment"))
    assert forged is not None
    refused = [
        f"{int(number) + 1}.{stamp}.{mac}",  # another payment, same signature
        f"{number}.{int(stamp) + 86_400}.{mac}",  # a longer life, same signature
        f"{number}.{stamp}.{flipped}",
        forged.token(payment_id, later),  # signed with another key
        links.token(payment_id, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)),  # expired
        str(payment_id),
        "../../dashboard",
    ]
    for token in refused:
        response = app.get(f"/receipts/{token}.pdf")
        assert response.status_code == 404, token
        assert not response.content.startswith(b"%PDF")


def test_sms_risiti_answers_in_kiswahili_without_a_document(app, services, schools, paid, at_sim):  # noqa: F811
    sms(app, "RISITI", "ATXid_rcpt_1")
    dispatch(services)
    (sent,) = at_sim.messages()
    text = sent["message"]
    assert text.startswith("Risiti za karibuni:") and paid["QAB12CD34E"] in text
    assert "KES 3,000 Taslimu, Achieng Otieno, IMEFUTWA" in text and "Benki" in text
    assert sent["segments"] <= 2
    assert outbox(schools)[0].media_url is None  # SMS never carries media


def test_whatsapp_risiti_for_one_child_sends_that_childs_pdf(app, services, schools, paid, twilio_sim):  # noqa: F811
    whatsapp(app, "RISITI MS-100", "SM_rcpt_2")
    dispatch(services)
    sent, document = twilio_sim.messages()
    assert sent["body"].startswith("Risiti za karibuni:") and paid["BANK-5"] in sent["body"]
    assert "Achieng" not in sent["body"]
    (link,) = document["media_urls"]
    fetched = app.get(urlsplit(link).path)
    assert fetched.status_code == 200 and paid["BANK-5"] in fetched.headers["content-disposition"]


def test_a_family_with_no_receipts_is_told_so_and_sent_no_document(app, services, schools, twilio_sim):  # noqa: F811
    whatsapp(app, "RECEIPT", "SM_rcpt_3")
    dispatch(services)
    (sent,) = twilio_sim.messages()
    assert sent["body"].startswith("No receipts yet") and sent["media_urls"] == []


@pytest.mark.parametrize(
    ("language", "statement", "payment", "reversal"),
    [
        ("en", "Statement", "Payment -5,000", "Reversal 3,000"),
        ("sw", "Taarifa", "Malipo -5,000", "Marekebisho 3,000"),
    ],
)
def test_the_ussd_statement_shows_receipt_numbers(app, schools, paid, language, statement, payment, reversal):
    with schools.begin() as session:
        for guardian in session.scalars(select(Guardian).where(Guardian.phone == PARENT)):
            guardian.language = Language(language)
    dial = Dial(app, PARENT, code="*384*25#").afresh()
    screen = dial.choose(statement)
    assert f"{payment} {paid['QAB12CD34E']}" in screen
    older = dial.press("98")
    assert paid["CASH-77"] in screen + older and reversal in screen + older
    for shown in (screen, older):
        assert len(shown.removeprefix("CON ").removeprefix("END ")) <= 160, shown
