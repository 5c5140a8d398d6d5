"""The school API's writes: payments once per Idempotency-Key, and bulk writes that check every item as
the CSV imports check rows and write all of them or none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ledger.books.tables import Payment
from ledger.records.attendance import AttendanceRecord
from ledger.records.results import Score
from ledger.records.tables import Student
from ledger.staff.audit import AuditEntry
from tests.e2e.api.conftest import Keys
from tests.e2e.conftest import TODAY

CASH = {"admission_no": "kja 001", "amount": 2_500_00, "source": "cash", "received_on": TODAY.isoformat()}


def test_a_payment_is_recorded_once_per_idempotency_key(api: TestClient, keys: Keys) -> None:
    auth = {**keys.auth(keys.write_a), "Idempotency-Key": "sync-7781"}
    first = api.post("/api/v1/payments", json=CASH, headers=auth)
    assert first.status_code == 201 and first.json()["amount"] == 2_500_00
    again = api.post("/api/v1/payments", json=CASH, headers=auth)
    assert again.status_code == 200 and again.json() == first.json()
    other = api.post("/api/v1/payments", json={**CASH, "amount": 2_600_00}, headers=auth)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    with keys.factory() as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        assert (
            session.scalar(select(func.count()).select_from(Payment).where(Payment.student_id == pupil.id))
            == 2
        )
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.record")).one()
        assert audited.actor.startswith("api:karo_") and audited.after["amount"] == 2_500_00  # type: ignore[index]
    balance = api.get(f"/api/v1/students/{pupil.id}/balance", headers=keys.auth(keys.read_a)).json()
    assert balance["total"] == 35_000_00 - 1_000_00 - 500_00 - 2_500_00


def test_a_bank_payment_needs_its_slip_and_a_missing_key_or_student_is_refused(
    api: TestClient, keys: Keys
) -> None:
    auth = keys.auth(keys.write_a)
    assert api.post("/api/v1/payments", json=CASH, headers=auth).status_code == 422  # no Idempotency-Key
    keyed = {**auth, "Idempotency-Key": "b1"}
    bank = api.post("/api/v1/payments", json={**CASH, "source": "bank"}, headers=keyed)
    assert bank.status_code == 422 and bank.json()["errors"][0]["location"] == "body.reference"
    theirs = api.post("/api/v1/payments", json={**CASH, "admission_no": "MS-100"}, headers=keyed)
    assert (
        theirs.status_code == 422 and "MS-100" in theirs.json()["detail"]
    )  # Mwangaza's pupil is unknown here
    slip = api.post(
        "/api/v1/payments", json={**CASH, "source": "bank", "reference": "EQ 5521"}, headers=keyed
    )
    assert slip.status_code == 201 and slip.json()["reference"] == "EQ 5521"
    for other in ({}, {"amount": 1_00}):  # the same slip under another key: refused, same body or not
        body = {**CASH, "source": "bank", "reference": "eq 5521", **other}
        reused = api.post("/api/v1/payments", json=body, headers={**auth, "Idempotency-Key": f"b2{other}"})
        assert reused.status_code == 409 and "EQ 5521" in reused.json()["detail"], reused.json()


def test_a_bad_item_refuses_the_whole_upsert_with_an_error_per_item(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.write_a)
    good = {
        "admission_no": "KJA-002",
        "name": "Wanjiru Kamau",
        "class": "Grade 7",
        "guardians": [{"name": "Baba", "phone": "0722000002"}],
    }
    bad_phone = {**good, "admission_no": "KJA-003", "guardians": [{"name": "Baba", "phone": "12345"}]}
    twice = {**good, "name": "Wanjiru K."}
    refused = api.put("/api/v1/students", json={"students": [good, bad_phone, twice]}, headers=auth)
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [e["location"] for e in errors] == ["body.students.1", "body.students.2"]
    assert "phone" in errors[0]["message"]
    with keys.factory() as session:
        assert session.scalar(select(func.count()).select_from(Student)) == 2  # the two seeded pupils only
    written = api.put("/api/v1/students", json={"students": [good]}, headers=auth).json()
    assert written == {"items": 1, "created": 1, "updated": 0, "unchanged": 0}
    renamed = api.put(
        "/api/v1/students", json={"students": [{**good, "name": "Wanjiru Njeri"}]}, headers=auth
    )
    assert renamed.json()["updated"] == 1
    listed = api.get("/api/v1/students", headers=auth).json()["items"]
    assert {s["name"] for s in listed} == {"Achieng Otieno", "Wanjiru Njeri"}


def test_a_days_register_and_an_exam_are_written_or_refused_per_item(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.write_a)
    day = TODAY.isoformat()
    unknown = {
        "date": day,
        "marks": [{"admission_no": "KJA-001", "status": "P"}, {"admission_no": "MS-100", "status": "A"}],
    }
    refused = api.put("/api/v1/attendance", json=unknown, headers=auth)
    assert refused.status_code == 422 and refused.json()["errors"][0]["location"] == "body.marks.1"
    register = {"date": day, "marks": [{"admission_no": "KJA-001", "status": "late", "note": "bus"}]}
    assert api.put("/api/v1/attendance", json=register, headers=auth).json()["created"] == 1
    assert api.put("/api/v1/attendance", json=register, headers=auth).json()["unchanged"] == 1
    scores = [
        {"admission_no": "KJA-001", "subject": "Maths", "score": 71},
        {"admission_no": "KJA-001", "subject": "English", "score": 101},
    ]
    refused = api.put("/api/v1/results", json={"exam": "CAT 1", "scores": scores}, headers=auth)
    assert [e["location"] for e in refused.json()["errors"]] == ["body.scores.1"]
    scores[1]["score"] = 64
    assert (
        api.put("/api/v1/results", json={"exam": "CAT 1", "scores": scores}, headers=auth).json()["created"]
        == 2
    )
    with keys.factory() as session:
        assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
        assert sorted(session.scalars(select(Score.score))) == [64, 71]


def test_a_students_updated_at_moves_when_they_or_their_guardians_change_and_only_then(
    api: TestClient, keys: Keys
) -> None:
    auth = keys.auth(keys.write_a)
    pupil = {"admission_no": "KJA-009", "name": "Kip Rono", "class": "Grade 6"}
    pupil["guardians"] = [{"name": "Mama Rono", "phone": "0733000009"}]  # type: ignore[assignment]

    def stamp() -> str:
        listed = api.get("/api/v1/students", headers=auth).json()["items"]
        return next(s["updated_at"] for s in listed if s["admission_no"] == "KJA-009")

    api.put("/api/v1/students", json={"students": [pupil]}, headers=auth)
    made = stamp()
    assert api.put("/api/v1/students", json={"students": [pupil]}, headers=auth).json()["unchanged"] == 1
    assert stamp() == made
    renamed_guardian = {**pupil, "guardians": [{"name": "Jane Rono", "phone": "0733000009"}]}
    assert (
        api.put("/api/v1/students", json={"students": [renamed_guardian]}, headers=auth).json()["updated"]
        == 1
    )
    guardian_changed = stamp()
    assert guardian_changed > made
    moved = {**renamed_guardian, "class": "Grade 7"}
    api.put("/api/v1/students", json={"students": [moved]}, headers=auth)
    assert stamp() > guardian_changed
    synced = api.get("/api/v1/students", params={"updated_since": guardian_changed}, headers=auth).json()
    assert [s["admission_no"] for s in synced["items"]] == ["KJA-009"]
