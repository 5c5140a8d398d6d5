"""Official receipts on the dashboard: the number on the student page, a page to print, the same as PDF,
and a reversed payment's receipt shown cancelled under the same number."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.reversals import reverse_entry
from ledger.books.tables import Payment, PaymentSource
from ledger.db import transaction
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests.e2e.dashboard.conftest import CLERK_A, sign_in
from tests.e2e.dashboard.test_money import achieng_id, payment_form, record
from tests.e2e.dashboard.test_pages import TODAY


def recorded(bursar: TestClient, staffed: sessionmaker[Session]) -> Payment:
    pupil = achieng_id(staffed)
    answer = record(bursar, pupil, payment_form(bursar, pupil, amount="5,000.50", payer="Mama Otieno"))
    assert answer.status_code == 303
    with staffed() as session:
        return session.scalars(select(Payment).where(Payment.payer == "Mama Otieno")).one()


def test_a_recorded_payment_shows_its_receipt_number_and_prints_it(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    payment = recorded(bursar, staffed)
    assert payment.receipt_no.startswith(f"KIL-{TODAY.year}-")
    student_page = bursar.get(f"/dashboard/students/{payment.student_id}?paid={payment.id}").text
    assert f"receipt {payment.receipt_no}" in student_page
    assert f'href="/dashboard/receipts/{payment.id}"' in student_page
    page = bursar.get(f"/dashboard/receipts/{payment.id}")
    assert page.status_code == 200
    assert payment.receipt_no in page.text and "KES 5,000.50" in page.text
    assert "Kenya shillings five thousand and fifty cents only" in page.text
    assert "Achieng Otieno (KJA-001)" in page.text and "Mama Otieno" in page.text
    assert "Tuition" in page.text  # how the money was spread over the vote heads
    assert "CANCELLED" not in page.text


def test_the_receipt_pdf_carries_the_same_number_amount_and_spread(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    payment = recorded(bursar, staffed)
    answer = bursar.get(f"/dashboard/receipts/{payment.id}/pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f'filename="receipt-{payment.receipt_no}.pdf"' in answer.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    for expected in (payment.receipt_no, "KES 5,000.50", "Achieng Otieno", "Tuition", "fifty cents only"):
        assert expected in text, expected
    assert "CANCELLED" not in text


def test_a_reversed_payment_keeps_its_number_marked_cancelled(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    payment = recorded(bursar, staffed)
    with transaction(staffed) as session:
        reverse_entry(session, payment.school_id, payment.entry_id, reason="bounced", on=TODAY, actor="t")
    page = bursar.get(f"/dashboard/receipts/{payment.id}").text
    assert payment.receipt_no in page and "CANCELLED" in page
    student_page = bursar.get(f"/dashboard/students/{payment.student_id}").text
    assert payment.receipt_no in student_page and "cancelled" in student_page
    pdf = bursar.get(f"/dashboard/receipts/{payment.id}/pdf").content
    assert "CANCELLED" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_clerk_may_print_a_receipt_and_an_unknown_one_is_404(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(staffed) as session:
        pupil = session.get(Student, achieng_id(staffed))
        received = Received(PaymentSource.MPESA_PAYBILL, "TKL4RCPT01", 2_000_00, TODAY)
        payment, _ = record_payment(session, pupil.school_id, received, pupil, actor="t")
        payment_id, number = payment.id, payment.receipt_no
    assert sign_in(web, CLERK_A).status_code == 303
    page = web.get(f"/dashboard/receipts/{payment_id}")
    assert page.status_code == 200 and number in page.text and "M-Pesa, ref. TKL4RCPT01" in page.text
    assert web.get("/dashboard/receipts/999999").status_code == 404
    assert web.get("/dashboard/receipts/999999/pdf").status_code == 404
