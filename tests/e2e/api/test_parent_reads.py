"""The parent API's reads on a seeded school: children, fees, payments, attendance, exams, notifications,
each with what the ledger holds; pages with cursors; and tenancy: every parent route, walked with another
family's ids, answers 404 as for an id that does not exist."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.api.parent.routes import parent_routers
from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.billing.invoicing import invoice_student
from ledger.books.tables import PaymentSource
from ledger.clock import utc_now
from ledger.messaging.outbox import Category, enqueue
from ledger.payments.recording import Received, record_payment
from ledger.records.attendance import AttendanceStatus, record_attendance
from ledger.records.results import get_or_create_exam
from ledger.records.tables import School, SchoolClass, Student, Term
from tests import builders as b
from tests.e2e.api.parent_helpers import sign_in
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.ussd_helpers import TOKEN

OTHER = "+254722000002"  # another family at Kilimani
V1 = "/api/v1"


@pytest.fixture
def seeded(schools):
    """Kilimani's Achieng (PARENT's) with payments, a week of attendance and an exam; Juma, another family's
    child, with the same kinds of rows, so a leak would show."""
    ids: dict[str, int] = {}
    with schools.begin() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        grade = session.get_one(SchoolClass, achieng.class_id)
        term = session.scalars(select(Term).where(Term.school_id == kilimani.id)).one()
        juma = b.student(session, grade, "KJA-002", "Juma Mwangi")
        b.guardian(session, kilimani, OTHER, juma, name="Baba Juma")
        invoice_student(session, juma, term, actor="test")
        for pupil, offset in ((achieng, 0), (juma, 1)):
            for n, (source, amount) in enumerate(
                ((PaymentSource.CASH, 5_000_00), (PaymentSource.BANK, 7_000_00))
            ):
                paid = Received(
                    source, f"REF-{pupil.id}-{n}", amount + offset * 100, TODAY - dt.timedelta(days=5 - n)
                )
                payment, _ = record_payment(session, kilimani.id, paid, pupil, actor="test")
                ids[f"{pupil.admission_no}:payment:{n}"] = payment.id
            for day in range(6):
                status = (
                    AttendanceStatus.ABSENT
                    if day == 2
                    else AttendanceStatus.LATE
                    if day == 4
                    else AttendanceStatus.PRESENT
                )
                record_attendance(session, pupil, TODAY - dt.timedelta(days=day + 1), status)
            exam = get_or_create_exam(session, kilimani.id, term, "Mid-term")
            b.scores(session, exam, pupil, {"Maths": 80 - offset * 30, "English": 64, "Kiswahili": 71})
            ids["exam"] = exam.id
            ids[pupil.admission_no] = pupil.id
        message, _ = enqueue(session, dedupe_key="other-notice", phone=OTHER, body="For Juma's family",
                             category=Category.REPLY, now=utc_now(), school_id=kilimani.id)  # fmt: skip
        ids["other-message"] = message.id
    return ids


@pytest.fixture
def api(engine, redis, schools, seeded):
    settings = Settings(webhook_token=TOKEN, public_url="https://karo.example")
    return TestClient(create_app(bootstrap(settings, engine=engine, redis=redis)))


@pytest.mark.parametrize("engine", ["pg", "sqlite"], indirect=True)  # the demo's embedded default too
def test_children_fees_payments_attendance_exams_and_notifications(api, schools, seeded):
    me = sign_in(api, schools, PARENT)
    achieng = seeded["KJA-001"]
    children = api.get(f"{V1}/parent/children", headers=me).json()["items"]
    assert [(c["name"], c["school"], c["admission_no"]) for c in children] == [
        ("Achieng Otieno", "Kilimani Junior Academy", "KJA-001"),
        ("Baraka Otieno", "Mwangaza Secondary", "MS-100"),
    ]
    child = f"{V1}/parent/children/{achieng}"

    (term,) = api.get(f"{child}/fees", headers=me).json()["items"]
    assert (term["invoiced"], term["paid"], term["balance"]) == (35_000_00, 12_000_00, 23_000_00)
    assert term["lines"] == [
        {"vote_head": "Tuition", "invoiced": 35_000_00, "paid": 12_000_00, "balance": 23_000_00}
    ]
    assert api.get(f"{child}/fees/{term['term']}", headers=me).json() == term
    assert api.get(f"{child}/fees/1999-1", headers=me).status_code == 404
    summary = api.get(f"{child}/fees/summary", headers=me).json()
    assert (summary["invoiced"], summary["paid"], summary["balance"]) == (35_000_00, 12_000_00, 23_000_00)
    assert summary["due_on"] == term["due_on"] == (TODAY - dt.timedelta(days=5)).isoformat()

    first = api.get(f"{child}/payments", params={"limit": 1}, headers=me).json()
    second = api.get(f"{child}/payments", params={"cursor": first["next_cursor"]}, headers=me).json()
    assert [p["amount"] for p in first["items"] + second["items"]] == [7_000_00, 5_000_00]
    assert second["next_cursor"] is None and first["items"][0]["method"] == "bank"
    stats = api.get(f"{child}/payments/stats", headers=me).json()
    assert stats["total_paid"] == 12_000_00 and stats["count"] == 2
    assert (
        stats["by_method"] == {"cash": 5_000_00, "bank": 7_000_00}
        and stats["last_payment"] == first["items"][0]
    )
    detail = api.get(f"{child}/payments/{seeded['KJA-001:payment:0']}", headers=me).json()
    assert detail["receipt_no"] == second["items"][0]["receipt_no"] and detail["amount"] == 5_000_00
    assert detail["spread"] == [{"vote_head": "Tuition", "term": term["term"], "amount": 5_000_00}]
    link = re.fullmatch(r"https://karo\.example(/receipts/.+\.pdf)", detail["receipt_url"])
    pdf = api.get(link[1])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    days = api.get(f"{child}/attendance", params={"limit": 4}, headers=me).json()
    rest = api.get(f"{child}/attendance", params={"cursor": days["next_cursor"]}, headers=me).json()
    assert [d["on"] for d in days["items"] + rest["items"]] == [
        (TODAY - dt.timedelta(days=n)).isoformat() for n in range(1, 7)
    ]
    absent = (TODAY - dt.timedelta(days=3)).isoformat()
    assert api.get(f"{child}/attendance/{absent}", headers=me).json() == {
        "on": absent,
        "status": "absent",
        "note": None,
    }
    assert api.get(f"{child}/attendance/{TODAY.isoformat()}", headers=me).status_code == 404
    att = api.get(f"{child}/attendance/summary", headers=me).json()
    assert (att["days_recorded"], att["present"], att["absent"], att["late"], att["rate"]) == (
        6,
        5,
        1,
        1,
        83.3,
    )
    assert att["recent_absences"] == [absent]

    (exam,) = api.get(f"{child}/exams", headers=me).json()["items"]
    assert (exam["exam"], exam["mean_score"]) == ("Mid-term", 71.7)
    assert api.get(f"{child}/exams/summary", headers=me).json() == {"exams": [exam]}
    subjects = api.get(f"{child}/exams/{exam['id']}", headers=me).json()
    assert [(s["subject"], s["score"]) for s in subjects["subjects"]] == [
        ("English", 64),
        ("Kiswahili", 71),
        ("Maths", 80),
    ]
    assert (subjects["strongest"], subjects["weakest"], subjects["mean_grade"]) == (
        "Maths",
        "English",
        exam["mean_grade"],
    )

    # Notifications: the receipts Karo wrote to this phone (the sign-in code left out), read markers.
    notes = api.get(f"{V1}/parent/notifications", headers=me).json()["items"]
    assert notes and all(n["category"] == "receipt" and not n["read"] for n in notes)
    assert api.get(f"{V1}/parent/notifications/unread-count", headers=me).json() == {"unread": len(notes)}
    newest = notes[0]["id"]
    assert api.post(f"{V1}/parent/notifications/{newest}/read", headers=me).status_code == 204
    assert api.post(f"{V1}/parent/notifications/{newest}/read", headers=me).status_code == 204
    assert api.get(f"{V1}/parent/notifications/{newest}", headers=me).json()["read"] is True
    assert api.get(f"{V1}/parent/notifications/unread-count", headers=me).json() == {"unread": len(notes) - 1}


def test_a_parent_never_reaches_another_familys_child_on_any_route(api, schools, seeded):
    me, them = sign_in(api, schools, PARENT), sign_in(api, schools, OTHER)
    juma = seeded["KJA-002"]
    ids = {
        "child_id": juma,
        "payment_id": seeded["KJA-002:payment:0"],
        "exam_id": seeded["exam"],
        "term": f"{TODAY.year}-{(TODAY.month - 1) // 4 + 1}",
        "on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "message_id": seeded["other-message"],
    }
    walked = 0
    for router in parent_routers():  # the school API has its own walk (test_school_tenancy)
        for route in router.routes:
            assert isinstance(route, APIRoute)
            names = set(re.findall(r"{(\w+)}", route.path))
            if not names or not names <= set(ids):
                continue
            path = V1 + route.path.format(**{name: ids[name] for name in names})
            for method in route.methods:
                body = {"amount": 100} if path.endswith("/pay") else None
                theirs = api.request(method, path, headers=them, json=body)
                mine = api.request(method, path, headers=me, json=body)
                assert mine.status_code == 404, (method, path, mine.text)
                assert mine.headers["content-type"] == "application/problem+json"
                if method == "GET":  # the same route serves its own family
                    assert theirs.status_code == 200, (method, path, theirs.text)
                walked += 1
    assert walked >= 15
    assert api.get(f"{V1}/parent/notifications/{ids['message_id']}", headers=me).status_code == 404
    # And the walk with no token at all is 401 everywhere.
    assert api.get(f"{V1}/parent/children/{juma}/fees").status_code == 401


ODD_IDS = ("0", "-1", str(2**31), str(2**63), str(10**30), "1e3", "abc", "%00")
ODD_CURSORS = ("!", "e30", "WzFd", "WyJ4Il0", "WyIyMDI2LTAxLTAxIiwieCJd", "W251bGxd", "WzEsMiwzXQ")


def test_odd_ids_and_cursors_are_problems_never_5xx(api, schools, seeded):
    me = sign_in(api, schools, PARENT)
    achieng = seeded["KJA-001"]
    for router in parent_routers():  # the school API has its own walk (test_school_tenancy)
        for route in router.routes:
            assert isinstance(route, APIRoute)
            names = re.findall(r"{(\w+)}", route.path)
            for odd in ODD_IDS if names else ():
                values = {name: odd for name in names}
                if "child_id" in values and len(names) > 1:
                    values["child_id"] = str(achieng)  # the other id is the odd one
                path = V1 + route.path.format(**values)
                for method in route.methods:
                    answer = api.request(method, path, headers=me, json={"amount": 100})
                    assert 400 <= answer.status_code < 500, (method, path, answer.text)
                    assert answer.headers["content-type"] == "application/problem+json"
    lists = ("payments", "attendance", "exams", "fees")
    for path in [f"{V1}/parent/notifications", *(f"{V1}/parent/children/{achieng}/{kind}" for kind in lists)]:
        for cursor in ODD_CURSORS:
            answer = api.get(path, params={"cursor": cursor}, headers=me)
            assert answer.status_code in (200, 400), (path, cursor, answer.text)
