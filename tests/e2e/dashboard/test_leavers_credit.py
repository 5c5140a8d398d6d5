"""Leaving, re-admission and credit paid back from the student's page: a clerk or bursar marks a leaver
(a records change), only the bursar pays credit back or moves it to a sibling; each change audited, each bad
form explained with nothing changed."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.invoicing import invoice_student
from ledger.billing.refunds import credit_of
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, EntryKind, PaymentSource
from ledger.db import transaction
from ledger.records.tables import Guardian, Student, StudentGuardian
from tests import builders as b
from tests.e2e.dashboard.conftest import CLERK_A, HEAD_A, csrf_of, post_form, sign_in
from tests.e2e.dashboard.test_money import achieng_id
from tests.e2e.dashboard.test_pages import TODAY, kilimani, pay
from tests.e2e.dashboard.test_reminders import PAGE, POLICY, audited, kilimani_of

FORM_TOKEN = re.compile(r'name="form_token" value="([0-9A-F]{12})"')


def submit(client: TestClient, student_id: int, action: str, **fields: str) -> httpx.Response:
    page = client.get(f"/dashboard/students/{student_id}")
    return client.post(
        f"/dashboard/students/{student_id}/{action}", data={**fields, "csrf_token": csrf_of(page)}
    )


def student(factory: sessionmaker[Session], student_id: int) -> Student:
    with factory() as session:
        found = session.get(Student, student_id)
        assert found is not None
        session.expunge(found)
        return found


def entries(factory: sessionmaker[Session], kind: EntryKind) -> int:
    with factory() as session:
        return session.scalar(select(func.count(Entry.id)).where(Entry.kind == kind)) or 0


def test_a_clerk_marks_a_leaver_and_re_admits_them_both_audited(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert sign_in(web, CLERK_A).status_code == 303
    pupil = achieng_id(staffed)
    answer = submit(web, pupil, "leave", left_on=TODAY.isoformat(), reason="transferred")
    assert answer.status_code == 303
    page = web.get(answer.headers["location"]).text
    assert f"Left the school on {TODAY.isoformat()} (transferred)." in page and "gets no reminders" in page
    left = student(staffed, pupil)
    assert (left.active, left.left_on, left.leave_reason) == (False, TODAY, "transferred")
    [entry] = audited(staffed, "student.leave")
    assert entry.actor == CLERK_A and entry.before is not None and entry.before["active"] is True
    assert entry.after == {
        "student": "KJA-001",
        "active": False,
        "left_on": TODAY.isoformat(),
        "reason": "transferred",
    }
    assert submit(web, pupil, "leave", left_on=TODAY.isoformat(), reason="transferred").status_code == 303
    assert len(audited(staffed, "student.leave")) == 1  # the same leaving again changed nothing
    page = web.get(submit(web, pupil, "readmit").headers["location"]).text
    assert "Re-admitted" in page and "Left the school" not in page
    assert student(staffed, pupil).active and len(audited(staffed, "student.readmit")) == 1


def test_a_bad_leaving_form_is_explained_and_changes_nothing(bursar: TestClient, staffed) -> None:
    pupil = achieng_id(staffed)
    for fields, error in (
        ({"left_on": TODAY.isoformat(), "reason": "expelled"}, "is not one of transferred, graduated"),
        ({"left_on": "2026-02-30", "reason": "other"}, "is not a real date"),
        ({"left_on": "2999-01-01", "reason": "other"}, "is still to come"),
    ):
        answer = submit(bursar, pupil, "leave", **fields)
        assert answer.status_code == 422 and error in answer.text and 'id="leaving-error"' in answer.text
    assert student(staffed, pupil).active and audited(staffed, "student.leave") == []


def test_a_head_reads_the_page_but_cannot_mark_a_leaver(web: TestClient, staffed) -> None:
    assert sign_in(web, HEAD_A).status_code == 303
    pupil = achieng_id(staffed)
    assert "Mark as left" not in web.get(f"/dashboard/students/{pupil}").text
    assert submit(web, pupil, "leave", left_on=TODAY.isoformat(), reason="other").status_code == 403
    assert student(staffed, pupil).active


def in_credit(factory: sessionmaker[Session], cents: int) -> int:
    pay(factory, "KJA-001", 35_000_00 + cents, "OVERPAID01", PaymentSource.CASH)
    return achieng_id(factory)


def test_a_bursar_refunds_credit_once_and_never_more_than_it(bursar: TestClient, staffed) -> None:
    pupil = in_credit(staffed, 5_000_00)
    page = bursar.get(f"/dashboard/students/{pupil}").text
    assert "In credit KES 5,000.00" in page and "Pay the credit back" in page
    too_much = submit(
        bursar,
        pupil,
        "refund",
        amount="5,000.01",
        method="cheque",
        reference="000777",
        paid_on=TODAY.isoformat(),
    )
    assert too_much.status_code == 422 and "is more than KJA-001&#39;s credit (KES 5,000.00)" in too_much.text
    fields = {"amount": "3,000", "method": "cheque", "reference": "000777", "paid_on": TODAY.isoformat()}
    answer = submit(bursar, pupil, "refund", **fields)
    assert answer.status_code == 303 and "Refund recorded." in bursar.get(answer.headers["location"]).text
    assert submit(bursar, pupil, "refund", **fields).status_code == 303  # a double submit
    assert entries(staffed, EntryKind.REFUND) == 1
    with staffed() as session:
        assert credit_of(session, session.get_one(Student, pupil)) == 2_000_00
    [entry] = audited(staffed, "credit.refund")
    assert entry.before == {"student": "KJA-001", "credit": 5_000_00}
    assert entry.after is not None and (entry.after["credit"], entry.after["reference"]) == (
        2_000_00,
        "000777",
    )


def test_a_clerk_cannot_refund_or_move_credit(web: TestClient, staffed) -> None:
    pupil = in_credit(staffed, 5_000_00)
    assert sign_in(web, CLERK_A).status_code == 303
    assert "Pay the credit back" not in web.get(f"/dashboard/students/{pupil}").text
    refund = {"amount": "100", "method": "cash", "reference": "V1", "paid_on": TODAY.isoformat()}
    assert submit(web, pupil, "refund", **refund).status_code == 403
    assert (
        submit(web, pupil, "credit/move", form_token="ABCDEF123456", amount="100", to="1").status_code == 403
    )
    assert entries(staffed, EntryKind.REFUND) == entries(staffed, EntryKind.CREDIT_TRANSFER) == 0


def test_a_bursar_moves_credit_to_a_sibling_where_it_pays_what_they_owe(bursar: TestClient, staffed) -> None:
    pupil = in_credit(staffed, 5_000_00)
    with transaction(staffed) as session:
        school, term, grade = kilimani(session)
        sibling = b.student(session, grade, "KJA-002", "Brian Otieno")
        guardian = session.scalars(select(Guardian).where(Guardian.school_id == school.id)).one()
        session.add(StudentGuardian(student_id=sibling.id, guardian_id=guardian.id))
        invoice_student(session, sibling, term, actor="test")
        sibling_id = sibling.id
    page = bursar.get(f"/dashboard/students/{pupil}")
    token = FORM_TOKEN.search(page.text)
    assert token and "Brian Otieno (KJA-002)" in page.text
    fields = {
        "form_token": token.group(1),
        "amount": "4,000",
        "to": str(sibling_id),
        "csrf_token": csrf_of(page),
    }
    assert bursar.post(f"/dashboard/students/{pupil}/credit/move", data=fields).status_code == 303
    assert bursar.post(f"/dashboard/students/{pupil}/credit/move", data=fields).status_code == 303  # twice
    with staffed() as session:
        assert total_owed(session, sibling_id) == 31_000_00 and total_owed(session, pupil) == -1_000_00
    assert entries(staffed, EntryKind.CREDIT_TRANSFER) == 2 and len(audited(staffed, "credit.move")) == 1
    stranger = submit(bursar, pupil, "credit/move", form_token="ABCDEF654321", amount="100", to=str(pupil))
    assert stranger.status_code == 422 and "does not share a guardian" in stranger.text
    for to in ("", "99999999999999999999"):
        nobody = submit(bursar, pupil, "credit/move", form_token="ABCDEF654321", amount="100", to=to)
        assert nobody.status_code == 422 and "Choose the sibling" in nobody.text


def test_the_bursar_chooses_on_the_policy_page_whether_leavers_families_are_still_reminded(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert "Not reminded</option>" in bursar.get(PAGE).text
    answer = post_form(bursar, f"{PAGE}/policy", {**POLICY, "chase_leavers": "on"}, from_page=PAGE)
    assert answer.status_code == 303
    assert kilimani_of(staffed).chase_leavers is True
    assert 'value="on" selected>Still reminded of arrears' in bursar.get(PAGE).text
    [entry] = audited(staffed, "reminders.policy")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["chase_leavers"], entry.after["chase_leavers"]) == (False, True)
    post_form(bursar, f"{PAGE}/policy", POLICY, from_page=PAGE)  # a form without the choice: off again
    assert kilimani_of(staffed).chase_leavers is False


def test_the_list_shows_students_at_school_and_a_search_finds_a_leaver_marked_left(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    assert submit(bursar, pupil, "leave", left_on=TODAY.isoformat(), reason="graduated").status_code == 303
    listed = bursar.get("/dashboard/students").text
    assert "Achieng Otieno" not in listed
    found = bursar.get("/dashboard/students", params={"q": "achieng"}).text
    assert f'href="/dashboard/students/{pupil}">Achieng Otieno</a> <span class="tag">left</span>' in found


def test_a_clerk_imports_leavers_from_the_imports_page(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert sign_in(web, CLERK_A).status_code == 303
    page = web.get("/dashboard/imports")
    assert "admission_no,date,reason" in page.text
    upload = {"file": ("leavers.csv", f"admission_no,date,reason\nKJA-001,{TODAY.isoformat()},withdrawn\n")}
    answer = web.post(
        "/dashboard/imports", data={"kind": "leavers", "csrf_token": csrf_of(page)}, files=upload
    )
    assert answer.status_code in (200, 303), answer.text
    left = student(staffed, achieng_id(staffed))
    assert (left.active, left.leave_reason) == (False, "withdrawn")
