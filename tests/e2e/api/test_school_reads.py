"""The school API's reads: a key of one school sees its students, money and messages, never another's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.db import transaction
from ledger.records.leavers import mark_left, parse_reason
from ledger.records.tables import Student
from tests.e2e.api.conftest import Keys
from tests.e2e.conftest import TODAY


def test_students_balances_payments_and_messages_read_with_a_key(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.read_a)
    students = api.get("/api/v1/students", headers=auth).json()
    assert [s["admission_no"] for s in students["items"]] == ["KJA-001"]
    pupil = students["items"][0]
    assert pupil["class"]["name"] == "Grade 6" and pupil["status"] == "active"
    assert [g["phone"] for g in pupil["guardians"]] == ["+254712000001"]
    balance = api.get(f"/api/v1/students/{pupil['id']}/balance", headers=auth).json()
    assert balance["total"] == 35_000_00 - 1_000_00 - 500_00
    statement = api.get(f"/api/v1/students/{pupil['id']}/statement", headers=auth).json()
    assert statement["closing"] == balance["total"] and len(statement["lines"]) == 3
    payments = api.get("/api/v1/payments", headers=auth).json()["items"]
    assert [(p["reference"], p["amount"], p["reversed"]) for p in payments] == [
        ("CASH-KJA-001", 1_000_00, False)
    ]
    bursaries = api.get("/api/v1/bursaries", headers=auth).json()["items"]
    assert [(b["sponsor"], b["amount"]) for b in bursaries] == [("CDF kilimani", 500_00)]
    messages = api.get("/api/v1/messages", headers=auth).json()["items"]
    assert messages and all(m["phone"] == "+254712000001" for m in messages)
    assert {m["status"] for m in messages} <= {
        "queued",
        "sending",
        "sent",
        "delivered",
        "failed",
        "cancelled",
    }
    terms = api.get("/api/v1/terms", headers=auth).json()["items"]
    fees = api.get(f"/api/v1/terms/{terms[0]['id']}/fee-structure", headers=auth).json()
    assert [(f["class_name"], f["vote_head"], f["amount"]) for f in fees["lines"]] == [
        ("Grade 6", "Tuition", 35_000_00)
    ]


def test_pages_follow_their_cursor_to_the_end_and_updated_since_filters(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.write_a)
    students = [
        {
            "admission_no": f"KJA-{n:03}",
            "name": f"Pupil {n}",
            "class": "Grade 6",
            "guardians": [{"name": "Mama", "phone": f"07120000{n:02}"}],
        }
        for n in range(2, 9)
    ]
    assert api.put("/api/v1/students", json={"students": students}, headers=auth).status_code == 200
    seen, cursor = [], None
    while True:
        page = api.get(
            "/api/v1/students", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=auth
        ).json()
        seen += [s["admission_no"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["KJA-001"] + [s["admission_no"] for s in students]) and len(seen) == len(
        set(seen)
    )
    latest = max(s["updated_at"] for s in api.get("/api/v1/students", headers=auth).json()["items"])
    recent = api.get("/api/v1/students", params={"updated_since": latest}, headers=auth).json()["items"]
    assert recent and all(s["updated_at"] >= latest for s in recent)
    future = "2999-01-01T00:00:00Z"
    for path in ("/api/v1/students", "/api/v1/balances", "/api/v1/payments"):
        assert api.get(path, params={"updated_since": future}, headers=auth).json()["items"] == [], path
    moved = api.get("/api/v1/balances", params={"updated_since": "2000-01-01T00:00:00Z"}, headers=auth).json()
    assert [b["admission_no"] for b in moved["items"]] == ["KJA-001"]  # the new pupils have no entries yet


def test_a_leaver_is_listed_as_left_and_their_change_reaches_a_sync(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.read_a)
    before = api.get("/api/v1/students", headers=auth).json()["items"][0]
    with transaction(keys.factory) as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        assert mark_left(pupil, TODAY, parse_reason("transferred"), today=TODAY)
    changed = api.get("/api/v1/students", params={"updated_since": before["updated_at"]}, headers=auth).json()
    left = changed["items"][0]
    assert left["status"] == "left" and left["left_on"] == TODAY.isoformat()
    assert left["leave_reason"] == "transferred" and left["updated_at"] > before["updated_at"]
