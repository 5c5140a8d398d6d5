"""Reversing from the dashboard: from a statement row or the payments list, after a preview, with a reason,
once however often the form is sent; the bursar only; above the school's amount the head approves (never
the bursar), and both are in the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.credits import grant_credit
from ledger.books.tables import Payment, PaymentSource
from ledger.db import transaction
from ledger.records.tables import School, Student
from ledger.staff.approvals import Actor, Reversal, ReversalRequest, ask_to_reverse
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import CLERK_A, HEAD_A, Clock, csrf_of, dashboard_client, sign_in
from tests.e2e.dashboard.test_money import achieng_id
from tests.e2e.dashboard.test_pages import TODAY, enrol, pay

FORM_TOKEN = 'name="form_token" value="'


@pytest.fixture
def head(engine: Engine, staffed: sessionmaker[Session], clock: Clock) -> Iterator[TestClient]:
    """Kilimani's head, signed in on their own browser."""
    with dashboard_client(engine, clock) as client:
        assert sign_in(client, HEAD_A).status_code == 303
        yield client


def payment_id(factory: sessionmaker[Session], reference: str) -> int:
    with factory() as session:
        return session.scalars(select(Payment.id).where(Payment.reference == reference)).one()


def reverse_form(client: TestClient, url: str, **fields: str) -> tuple[httpx.Response, dict[str, str]]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    token = page.text.split(FORM_TOKEN)[1].split('"')[0]
    return page, {**fields, "form_token": token, "csrf_token": csrf_of(page)}


def count(factory: sessionmaker[Session], what: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0


def test_a_bursar_reverses_a_payment_from_the_statement_back_to_suspense(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 5_000_00, "QK12AB34CD", PaymentSource.MPESA_PAYBILL)
    pupil, paid = achieng_id(staffed), payment_id(staffed, "QK12AB34CD")
    url = f"/dashboard/payments/{paid}/reverse"
    assert f'href="{url}"' in bursar.get(f"/dashboard/students/{pupil}").text  # the statement row's action
    page, form = reverse_form(bursar, url, reason="wrong child", destination="suspense")
    assert "owes KES 30,000.00 now;" in page.text and "<strong>KES 35,000.00</strong>" in page.text
    first, second = bursar.post(url, data=form), bursar.post(url, data=form)  # sent twice: asked once
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count(staffed, ReversalRequest) == 1
    student_page = bursar.get(first.headers["location"]).text
    assert "Reversed M-Pesa QK12AB34CD (KES 5,000.00)." in student_page
    assert (
        "Reversal of M-Pesa QK12AB34CD: wrong child" in student_page and "Owes KES 35,000.00" in student_page
    )
    assert "reversal notice" in student_page  # the family's notice, in the messages sent about the child
    assert "QK12AB34CD" in bursar.get("/dashboard/suspense").text  # allocatable again
    with staffed() as session:
        [audited] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reversal.request"))
    assert audited.actor == "bursar@kilimani.ac.ke" and audited.after == {
        "what": "M-Pesa QK12AB34CD",
        "amount": 5_000_00,
        "reason": "wrong child",
        "destination": "suspense",
        "status": "pending",
        "requested_by": "bursar@kilimani.ac.ke",
        "decided_by": None,
    }


def test_a_payment_moves_to_another_child_from_the_payments_list(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    baraka = enrol(staffed, "KJA-002", "Baraka Mwangi")
    pay(staffed, "KJA-001", 5_000_00, "CASH-77", PaymentSource.CASH)
    listed = bursar.get("/dashboard/payments", params={"q": "cash-7"}).text
    url = f"/dashboard/payments/{payment_id(staffed, 'CASH-77')}/reverse"
    assert f'href="{url}"' in listed and "KJA-001 Achieng Otieno" in listed
    _, form = reverse_form(bursar, url, reason="paid for Baraka", destination="student", to_student="kja 003")
    refused = bursar.post(url, data=form)
    assert refused.status_code == 422 and "No student has admission number &#39;kja 003&#39;." in refused.text
    moved = bursar.post(url, data={**form, "to_student": "kja-002"})
    assert moved.status_code == 303
    assert "Owes KES 30,000.00" in bursar.get(f"/dashboard/students/{baraka}").text
    assert "KJA-002 Baraka Mwangi" in bursar.get("/dashboard/payments").text


def test_a_bursary_is_reversed_from_its_statement_row(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    with transaction(staffed) as session:
        student = session.get_one(Student, pupil)
        entry, _ = grant_credit(session, student, 3_000_00, key="b1", memo="CDF bursary", on=TODAY, actor="t")
        entry_id = entry.id
    url = f"/dashboard/entries/{entry_id}/reverse"
    assert f'href="{url}"' in bursar.get(f"/dashboard/students/{pupil}").text
    _, form = reverse_form(bursar, url)
    blank = bursar.post(url, data={**form, "reason": "   "})
    assert blank.status_code == 422 and "Give a reason for the reversal." in blank.text
    done = bursar.post(url, data={**form, "reason": "awarded to another pupil"})
    page = bursar.get(done.headers["location"]).text
    assert "Reversal of CDF bursary: awarded to another pupil" in page and "Owes KES 35,000.00" in page
    assert f'href="{url}"' not in page  # reversed once: no second action


def test_a_clerk_or_the_head_cannot_reverse_and_nothing_changes(
    web: TestClient, head: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 5_000_00, "QK12AB34CD", PaymentSource.MPESA_PAYBILL)
    url = f"/dashboard/payments/{payment_id(staffed, 'QK12AB34CD')}/reverse"
    assert sign_in(web, CLERK_A).status_code == 303
    for client in (web, head):
        assert client.get(url).status_code == 403
        token = csrf_of(client.get("/dashboard"))
        form = {"csrf_token": token, "form_token": "ABCDEF123456", "reason": "x", "destination": "void"}
        assert client.post(url, data=form).status_code == 403
        assert "/reverse" not in client.get(f"/dashboard/students/{achieng_id(staffed)}").text
    assert count(staffed, ReversalRequest) == 0


def test_above_the_amount_the_head_approves_and_the_bursar_cannot(
    bursar: TestClient, head: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 15_000_00, "CHQ-9", PaymentSource.CHEQUE)
    pupil, url = achieng_id(staffed), f"/dashboard/payments/{payment_id(staffed, 'CHQ-9')}/reverse"
    page, form = reverse_form(bursar, url, reason="cheque bounced", destination="void")
    assert "KES 15,000.00 is above KES 10,000.00: it will wait for the head's approval." in page.text
    asked = bursar.get(bursar.post(url, data=form).headers["location"]).text
    assert "Reversing Cheque CHQ-9 (KES 15,000.00) waits for the head's approval." in asked
    assert "Owes KES 20,000.00" in asked and 'id="pending-reversals"' in asked
    with staffed() as session:
        request_id = session.scalars(select(ReversalRequest.id)).one()
    approve_url = f"/dashboard/approvals/{request_id}/approve"
    assert bursar.post(approve_url, data={"csrf_token": csrf_of(bursar.get("/dashboard"))}).status_code == 403
    approvals = head.get("/dashboard/approvals")
    assert "Cheque CHQ-9" in approvals.text and "cheque bounced" in approvals.text
    assert head.post(approve_url, data={"csrf_token": csrf_of(approvals)}).status_code == 303
    assert "Owes KES 35,000.00" in head.get(f"/dashboard/students/{pupil}").text
    with staffed() as session:
        trail = session.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.action.startswith("reversal."))
            .order_by(AuditEntry.id)
        ).all()
    assert trail == [
        ("reversal.request", "bursar@kilimani.ac.ke"),
        ("reversal.approve", "head@kilimani.ac.ke"),
    ]


def test_the_head_sets_the_amount_and_rejects_a_request(
    bursar: TestClient, head: TestClient, staffed: sessionmaker[Session]
) -> None:
    token = csrf_of(bursar.get("/dashboard/approvals"))
    assert (
        bursar.post("/dashboard/approvals/amount", data={"csrf_token": token, "above": "0"}).status_code
        == 403
    )
    page = head.get("/dashboard/approvals")
    bad = head.post("/dashboard/approvals/amount", data={"csrf_token": csrf_of(page), "above": "lots"})
    assert bad.status_code == 422
    assert (
        head.post(
            "/dashboard/approvals/amount", data={"csrf_token": csrf_of(page), "above": "1,000"}
        ).status_code
        == 303
    )
    pay(staffed, "KJA-001", 2_000_00, "QK55", PaymentSource.MPESA_PAYBILL)
    url = f"/dashboard/payments/{payment_id(staffed, 'QK55')}/reverse"
    _, form = reverse_form(bursar, url, reason="typo", destination="suspense")
    bursar.post(url, data=form)
    with staffed() as session:
        request_id = session.scalars(select(ReversalRequest.id)).one()
    page = head.get("/dashboard/approvals")
    assert "reversals above KES 1,000.00 wait for the head" in page.text
    assert (
        head.post(f"/dashboard/approvals/{request_id}/reject", data={"csrf_token": csrf_of(page)}).status_code
        == 303
    )
    assert "rejected by head@kilimani.ac.ke" in head.get("/dashboard/approvals").text
    assert "Owes KES 33,000.00" in head.get(f"/dashboard/students/{achieng_id(staffed)}").text


def test_the_other_schools_request_is_not_found(
    head: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    with transaction(staffed) as session:  # a reversal waiting for Mwangaza's head
        mwangaza = session.scalars(select(School).where(School.slug == "mwangaza")).one()
        mwangaza.reversal_approval_cents = 0
        baraka = session.scalars(select(Student).where(Student.school_id == mwangaza.id)).one()
        bursary, _ = grant_credit(
            session, baraka, 1_000_00, key="mb", memo="Mwangaza bursary", on=TODAY, actor="t"
        )
        asked = Reversal("x", entry=bursary)
        request, _ = ask_to_reverse(session, mwangaza, asked, key="m1", actor=Actor("b@mw"), now=clock.now)
        request_id = request.id
    page = head.get("/dashboard/approvals")
    assert "Mwangaza bursary" not in page.text
    answer = head.post(f"/dashboard/approvals/{request_id}/approve", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 404
    with staffed() as session:
        assert session.get_one(ReversalRequest, request_id).status.value == "pending"
