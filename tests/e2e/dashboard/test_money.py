"""Money by hand: a payment recorded once however often the form is sent, its receipt in the message log,
suspense payments allocated, M-Pesa prompts for review; each change audited."""

from __future__ import annotations

import datetime as dt

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.tables import Payment, PaymentSource
from ledger.db import transaction
from ledger.messaging.outbox import OutboxMessage, record_refused
from ledger.payments.recording import Received, record_payment
from ledger.payments.stk_requests import RequestStatus, record_request
from ledger.records.tables import School, Student
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import HEAD_A, csrf_of, sign_in
from tests.e2e.dashboard.test_pages import TODAY, kilimani

FORM_TOKEN = 'name="form_token" value="'


def achieng_id(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalars(select(Student.id).where(Student.admission_no == "KJA-001")).one()


def payment_form(client: TestClient, student_id: int, **fields: str) -> dict[str, str]:
    page = client.get(f"/dashboard/students/{student_id}/payment")
    assert page.status_code == 200
    token = page.text.split(FORM_TOKEN)[1].split('"')[0]
    form = {"source": "cash", "amount": "5,000", "reference": "", "received_on": TODAY.isoformat()}
    return {**form, **fields, "form_token": token, "csrf_token": csrf_of(page)}


def record(client: TestClient, student_id: int, form: dict[str, str]) -> httpx.Response:
    return client.post(f"/dashboard/students/{student_id}/payment", data=form)


def count(factory: sessionmaker[Session], what: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0


def test_a_cash_payment_is_recorded_with_its_receipt_and_audited(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    answer = record(bursar, pupil, payment_form(bursar, pupil, amount="5,000.50", payer="Mama Otieno"))
    assert answer.status_code == 303
    page = bursar.get(answer.headers["location"]).text
    assert "Recorded KES 5,000.50, reference CASH-" in page
    assert "Owes KES 29,999.50" in page
    assert "Received KES 5,000.50 for Achieng Otieno" in page  # the receipt, queued to the guardian
    with staffed() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.record"))
    assert entry.actor == "bursar@kilimani.ac.ke"
    assert entry.before == {"student": "KJA-001", "balance": 35_000_00}
    assert (
        entry.after is not None and entry.after["balance"] == 29_999_50 and entry.after["amount"] == 5_000_50
    )


def test_a_double_submit_records_the_payment_once(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    form = payment_form(bursar, pupil)
    first, second = record(bursar, pupil, form), record(bursar, pupil, form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]  # both confirm the same payment
    assert count(staffed, Payment) == 1
    assert count(staffed, OutboxMessage) == 1  # one receipt
    assert count(staffed, AuditEntry) == 2  # the login and one payment
    assert "Owes KES 30,000.00" in bursar.get(f"/dashboard/students/{pupil}").text


def test_two_forms_are_two_payments(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    record(bursar, pupil, payment_form(bursar, pupil))
    record(bursar, pupil, payment_form(bursar, pupil))
    assert count(staffed, Payment) == 2


def test_bad_input_is_explained_and_nothing_is_lost_or_recorded(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    cases = {
        ("cash", "five thousand", ""): "is not an amount in KES",
        ("cash", "0", ""): "more than zero",
        ("bank", "5000", ""): "Give the deposit slip number.",
        ("cheque", "5000", ""): "Give the cheque number.",
        ("mpesa_paybill", "5000", "X"): "Choose cash, bank deposit or cheque.",
    }
    for (source, amount, reference), reason in cases.items():
        form = payment_form(bursar, pupil, source=source, amount=amount, reference=reference, payer="Baba")
        answer = record(bursar, pupil, form)
        assert answer.status_code == 422 and reason in answer.text, (source, amount)
        assert f'value="{amount}"' in answer.text and 'value="Baba"' in answer.text  # kept for correcting
    assert count(staffed, Payment) == 0


def test_a_slip_number_used_for_another_payment_is_refused(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    assert (
        record(bursar, pupil, payment_form(bursar, pupil, source="bank", reference="EQ 123")).status_code
        == 303
    )
    again = record(
        bursar, pupil, payment_form(bursar, pupil, source="bank", reference="eq 123", amount="7000")
    )
    assert again.status_code == 422 and "EQ 123" in again.text
    assert count(staffed, Payment) == 1


def test_a_head_teacher_cannot_record_money(web: TestClient, staffed: sessionmaker[Session]) -> None:
    sign_in(web, HEAD_A)
    pupil = achieng_id(staffed)
    assert web.get(f"/dashboard/students/{pupil}/payment").status_code == 403
    token = csrf_of(web.get("/dashboard"))
    form = {"csrf_token": token, "form_token": "ABCDEF012345", "source": "cash", "amount": "100"}
    assert web.post(f"/dashboard/students/{pupil}/payment", data=form).status_code == 403
    assert "Record a payment" not in web.get(f"/dashboard/students/{pupil}").text
    assert count(staffed, Payment) == 0


def test_the_message_log_shows_each_message_and_why_one_failed(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    record(bursar, pupil, payment_form(bursar, pupil, amount="1000"))
    record(bursar, pupil, payment_form(bursar, pupil, amount="2000"))
    with transaction(staffed) as session:
        first = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert first is not None
        record_refused(
            first, provider="twilio", reason="63016 Failed to send freeform", now=dt.datetime.now(dt.UTC)
        )
    log = bursar.get("/dashboard/messages").text
    assert "2 messages" in log and "Received KES 1,000" in log and "Received KES 2,000" in log
    assert "WhatsApp only allows a free message within 24 hours" in log
    failed = bursar.get("/dashboard/messages", params={"status": "failed"}).text
    assert "1 message" in failed and "Received KES 1,000" in failed and "KES 2,000" not in failed


def suspense_payment(factory: sessionmaker[Session], slug: str, reference: str) -> int:
    with transaction(factory) as session:
        school = session.scalars(select(School).where(School.slug == slug)).one()
        paid = Received(PaymentSource.MPESA_PAYBILL, reference, 3_000_00, TODAY, "KJA 01", "JOHN D***")
        payment, _ = record_payment(session, school.id, paid, None, actor="test")
        return payment.id


def allocate(client: TestClient, payment_id: int, admission_no: str) -> httpx.Response:
    token = csrf_of(client.get("/dashboard/suspense"))
    form = {"csrf_token": token, "admission_no": admission_no}
    return client.post(f"/dashboard/suspense/{payment_id}/allocate", data=form)


def test_a_suspense_payment_is_allocated_to_a_student_once(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    payment = suspense_payment(staffed, "kilimani", "TKX1SUSP01")
    page = bursar.get("/dashboard/suspense").text
    assert "TKX1SUSP01" in page and "KJA 01" in page and "KES 3,000.00" in page
    wrong = allocate(bursar, payment, "KJA-999")
    assert wrong.status_code == 422 and "No student has admission number" in wrong.text
    done = allocate(bursar, payment, "kja 001")
    assert done.status_code == 303
    assert "Nothing in suspense." in bursar.get(done.headers["location"]).text
    assert allocate(bursar, payment, "KJA-001").status_code == 303  # a second click changes nothing
    assert "Owes KES 32,000.00" in bursar.get(f"/dashboard/students/{achieng_id(staffed)}").text
    with staffed() as session:
        audited = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "suspense.allocate")))
    assert [(a.before or {}).get("student") for a in audited] == [None]
    assert [(a.after or {}).get("student") for a in audited] == ["KJA-001"]


def test_stk_prompts_waiting_for_review_are_listed(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(staffed) as session:
        school, _, _ = kilimani(session)
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        now = dt.datetime.now(dt.UTC)
        lost = record_request(session, school_id=school.id, student_id=pupil.id, phone="+254712000001",
                              amount=2_000_00, channel="ussd", now=now)  # fmt: skip
        lost.status = RequestStatus.REVIEW
        record_request(session, school_id=school.id, student_id=pupil.id, phone="+254712000001",
                       amount=1_000_00, channel="ussd", now=now)  # fmt: skip
    page = bursar.get("/dashboard/suspense").text
    assert "KES 2,000.00" in page and "No answer from M-Pesa" in page
    assert "KES 1,000.00" not in page  # still pending: not for review


def test_the_audit_page_shows_who_changed_what_with_before_and_after(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    record(bursar, pupil, payment_form(bursar, pupil, amount="1000"))
    page = bursar.get("/dashboard/audit").text
    assert "payment.record" in page and "bursar@kilimani.ac.ke" in page
    assert "balance=3500000" in page and "balance=3400000" in page
    assert "login" in page


def test_an_amount_beyond_any_fee_is_a_form_error_not_a_500(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    for amount in ("90,000,000,000,000,000", "99999999999999999999", "10,000,000.01"):
        answer = record(bursar, pupil, payment_form(bursar, pupil, amount=amount))
        assert answer.status_code == 422 and "more than KES 10,000,000.00" in answer.text, amount
        assert f'value="{amount}"' in answer.text  # kept for correcting
    assert count(staffed, Payment) == 0
    answer = record(bursar, pupil, payment_form(bursar, pupil, amount="10,000,000"))
    assert answer.status_code == 303  # the ceiling itself is a payment (a school's endowment, say)
