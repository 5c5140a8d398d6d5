"""Students and guardians edited on the dashboard, end to end: a student added (and, by the bursar, invoiced
at once), refusals shown beside the field, a phone changed that the old number can no longer use on USSD
(even in a session already open) while the new one can, every change audited, and roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.books.balances import total_owed
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.records.tables import Guardian, Student, StudentGuardian
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import BURSAR_A, CLERK_A, FAST, HEAD_A, Clock, csrf_of, sign_in
from tests.e2e.dashboard.test_pages import enrol
from tests.e2e.ussd_helpers import TOKEN, Dial

KILIMANI_CODE = "*384*25#"
OLD, NEW = "+254711000222", "+254722000333"
NEW_STUDENT = {
    "admission_no": "KJA/2026/050",
    "name": "Neema Wanjiru",
    "class": "Grade 6",
    "guardian_name": "Jane Wanjiru",
    "guardian_phone": "0733 444 555",
}


@pytest.fixture
def desk(engine: Engine, staffed: sessionmaker[Session], clock: Clock) -> Iterator[TestClient]:
    """The dashboard and the parents' webhooks in one app (the embedded default: no Redis), signed out."""
    settings = Settings(database_url="sqlite://", secret_key="dashboard-test-secret", webhook_token=TOKEN)
    app = create_app(bootstrap(settings, engine=engine))
    app.state.dashboard.clock = clock
    app.state.dashboard.passwords = FAST
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def as_staff(client: TestClient, email: str) -> TestClient:
    assert sign_in(client, email).status_code == 303
    return client


def send(client: TestClient, url: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/dashboard"))
    return client.post(url, data={**fields, "csrf_token": token})


def audit_rows(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def count(factory: sessionmaker[Session], table: Any) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def guardian_id(factory: sessionmaker[Session], phone: str) -> int:
    with factory() as session:
        return session.scalars(select(Guardian.id).where(Guardian.phone == phone)).one()


def texted_balance(client: TestClient, factory: sessionmaker[Session], phone: str, message_id: str) -> str:
    """The answer to a "BAL" SMS from ``phone`` (Africa's Talking's shape), as it was queued to go out."""
    fields = {"from": phone, "to": "22384", "text": "BAL", "id": message_id, "date": "2026-11-22 10:00:00"}
    assert client.post(f"/at/sms/{TOKEN}", data=fields).status_code == 200
    with factory() as session:
        key = f"reply:africastalking:{message_id}"
        return session.scalars(select(OutboxMessage.body).where(OutboxMessage.dedupe_key == key)).one()


def test_a_clerk_adds_a_student_whose_guardian_reaches_them_on_ussd(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    as_staff(desk, CLERK_A)
    assert 'href="/dashboard/new-student"' in desk.get("/dashboard/students").text
    form = desk.get("/dashboard/new-student")
    assert form.status_code == 200 and "Invoice for term" not in form.text  # invoicing is the bursar's
    added = send(desk, "/dashboard/new-student", **NEW_STUDENT)
    assert added.status_code == 303
    page = desk.get(added.headers["location"])
    assert "Neema Wanjiru" in page.text and "Student added" in page.text and "+254733444555" in page.text
    [row] = audit_rows(staffed, "student.add")
    assert row.actor == CLERK_A and row.before is None
    assert row.after is not None and row.after["class"] == "Grade 6" and row.after["invoiced"] is None
    assert row.after["linked"] == []  # a new phone: a new guardian
    assert [g["phone"] for g in row.after["guardians"]] == ["+254733444555"]
    dial = Dial(desk, "+254733444555", code=KILIMANI_CODE)
    assert "Balance" in dial.reply and "not registered" not in dial.reply
    with staffed() as session:
        neema = session.scalars(select(Student).where(Student.admission_key == "KJA2026050")).one()
        assert total_owed(session, neema.id) == 0  # not invoiced


def test_a_bursar_adds_a_student_and_invoices_the_running_term_at_once(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    as_staff(desk, BURSAR_A)
    assert "Invoice for term" in desk.get("/dashboard/new-student").text
    added = send(desk, "/dashboard/new-student", **NEW_STUDENT, invoice="1")
    page = desk.get(added.headers["location"]).text
    assert "invoiced for the current term" in page and "Owes KES 35,000.00" in page
    with staffed() as session:
        # As when a class is invoiced again for a late joiner: their family is told the term's fees.
        notice = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.category == Category.INVOICE_NOTICE, OutboxMessage.phone == "+254733444555"
            )
        ).one()
        assert "35,000" in notice.body and "Neema" in notice.body
    [row] = audit_rows(staffed, "student.add")
    assert row.after is not None and row.after["invoiced"] is not None


def test_a_clerk_may_not_invoice_and_nothing_is_added(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    as_staff(desk, CLERK_A)
    before = count(staffed, Student)
    refused = send(desk, "/dashboard/new-student", **NEW_STUDENT, invoice="1")
    assert refused.status_code == 403 and count(staffed, Student) == before


def test_a_duplicate_admission_number_or_a_bad_phone_is_shown_beside_its_field(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    as_staff(desk, CLERK_A)
    before = count(staffed, Student)
    taken = send(desk, "/dashboard/new-student", **(NEW_STUDENT | {"admission_no": "kja 001"}))
    assert taken.status_code == 422
    assert 'id="error-admission_no"' in taken.text and "already Achieng Otieno&#39;s" in taken.text
    assert 'value="Neema Wanjiru"' in taken.text  # what was typed comes back
    bad = send(desk, "/dashboard/new-student", **(NEW_STUDENT | {"guardian_phone": "0712"}))
    assert bad.status_code == 422 and 'id="error-guardian_phone"' in bad.text
    assert "not a valid phone number" in bad.text
    assert count(staffed, Student) == before and audit_rows(staffed, "student.add") == []


def test_a_phone_change_cuts_the_old_phone_off_at_once_and_the_new_one_reaches_the_child(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    open_session = Dial(desk, OLD, code=KILIMANI_CODE)  # a parent mid-session on the old phone
    assert "Balance" in open_session.reply
    as_staff(desk, CLERK_A)
    changed = send(
        desk, f"/dashboard/students/{pupil}/guardians/{guardian_id(staffed, OLD)}/phone", phone="0722 000 333"
    )
    assert changed.status_code == 303
    assert "Phone changed" in desk.get(changed.headers["location"]).text
    # The session already open on the old phone: its next hop no longer reads the child.
    after = open_session.choose("Balance")
    assert "35,000" not in after and "Brian" not in after and "not registered" in after
    again = Dial(desk, OLD, code=KILIMANI_CODE)
    assert again.ended and "not registered" in again.reply
    assert "35,000" in Dial(desk, NEW, code=KILIMANI_CODE).choose("Balance")
    # And by SMS: the old phone is a stranger, the new one gets the balance.
    by_old = texted_balance(desk, staffed, OLD, "ATXid_old")
    assert "not registered" in by_old and "35,000" not in by_old
    assert "35,000" in texted_balance(desk, staffed, NEW, "ATXid_new")
    [row] = audit_rows(staffed, "guardian.phone")
    assert row.actor == CLERK_A and row.target == f"student:{pupil}"
    assert row.before is not None and [g["phone"] for g in row.before["guardians"]] == [OLD]
    assert row.after is not None and [g["phone"] for g in row.after["guardians"]] == [NEW]


def test_guardians_added_given_a_language_and_removed_are_audited(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    as_staff(desk, BURSAR_A)
    base = f"/dashboard/students/{pupil}/guardians"
    assert send(desk, base, name="Baba Brian", phone="+254 722 000 333", language="sw").status_code == 303
    bad = send(desk, base, name="Aunt", phone="0733 000 111")
    assert bad.status_code == 422 and "at most 2 guardians" in bad.text
    second = guardian_id(staffed, NEW)
    prefs = send(desk, f"{base}/{second}/preferences", language="en", channel="whatsapp")
    assert prefs.status_code == 303
    assert send(desk, f"{base}/{guardian_id(staffed, OLD)}/remove").status_code == 303
    last = send(desk, f"{base}/{second}/remove")
    assert last.status_code == 422 and "only guardian" in last.text
    assert [r.action for r in audit_rows(staffed, "guardian.add")] == ["guardian.add"]
    [prefs_row] = audit_rows(staffed, "guardian.preferences")
    assert prefs_row.before is not None and prefs_row.after is not None
    assert (prefs_row.before["guardians"][1]["channel"], prefs_row.after["guardians"][1]["channel"]) == (
        "sms",
        "whatsapp",
    )
    [removed] = audit_rows(staffed, "guardian.remove")
    assert removed.after is not None and [g["phone"] for g in removed.after["guardians"]] == [NEW]
    assert Dial(desk, OLD, code=KILIMANI_CODE).ended


def test_name_and_class_change_is_audited_and_an_empty_name_is_refused_inline(
    desk: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    as_staff(desk, CLERK_A)
    empty = send(desk, f"/dashboard/students/{pupil}/edit", name=" ", **{"class": "Grade 7"})
    assert empty.status_code == 422 and 'id="edit-error"' in empty.text and "Name is empty" in empty.text
    saved = send(desk, f"/dashboard/students/{pupil}/edit", name="Brian K. Kamau", **{"class": "Grade 7"})
    assert saved.status_code == 303
    [row] = audit_rows(staffed, "student.edit")
    assert row.before is not None and (row.before["name"], row.before["class"]) == ("Brian Kamau", "Grade 6")
    assert row.after is not None and (row.after["name"], row.after["class"]) == ("Brian K. Kamau", "Grade 7")


def test_a_head_teacher_cannot_change_the_register(desk: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    old_guardian = guardian_id(staffed, OLD)
    as_staff(desk, HEAD_A)
    assert desk.get("/dashboard/new-student").status_code == 403
    assert "/dashboard/new-student" not in desk.get("/dashboard/students").text
    page = desk.get(f"/dashboard/students/{pupil}").text
    assert "Change phone" not in page and "Add a guardian" not in page and "Change name or class" not in page
    before = (count(staffed, Student), count(staffed, Guardian), count(staffed, StudentGuardian))
    base = f"/dashboard/students/{pupil}"
    for url, fields in (
        ("/dashboard/new-student", NEW_STUDENT),
        (f"{base}/edit", {"name": "X", "class": "Grade 7"}),
        (f"{base}/guardians", {"name": "X", "phone": NEW}),
        (f"{base}/guardians/{old_guardian}/phone", {"phone": NEW}),
        (f"{base}/guardians/{old_guardian}/preferences", {"language": "sw", "channel": "sms"}),
        (f"{base}/guardians/{old_guardian}/remove", {}),
    ):
        assert send(desk, url, **fields).status_code == 403, url
    assert (count(staffed, Student), count(staffed, Guardian), count(staffed, StudentGuardian)) == before
    assert count(staffed, AuditEntry) == len(audit_rows(staffed, "login"))
    assert "35,000" in Dial(desk, OLD, code=KILIMANI_CODE).choose("Balance")


def test_a_guardian_of_another_student_is_not_found(desk: TestClient, staffed: sessionmaker[Session]) -> None:
    brian = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    other = enrol(staffed, "KJA-003", "Cynthia Atieno", phone=NEW)
    as_staff(desk, BURSAR_A)
    answer = send(
        desk, f"/dashboard/students/{brian}/guardians/{guardian_id(staffed, NEW)}/phone", phone="0744 000 111"
    )
    assert answer.status_code == 404
    with staffed() as session:  # Cynthia's guardian keeps their phone, and Brian gained no guardian
        assert session.scalars(
            select(Guardian.phone).join(StudentGuardian).where(StudentGuardian.student_id == other)
        ).all() == [NEW]
        assert session.scalar(select(func.count()).where(StudentGuardian.student_id == brian)) == 1
