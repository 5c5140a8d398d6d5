"""Issue 17's sync e2e: a script acting as the school's own system, over HTTP with its API key, registers its
webhook endpoint, upserts 1,000 students, posts a week of registers and an exam, then, after a parent pays by
STK push in the Daraja simulator, gets one signed ``payment.received`` and reads, with ``updated_since``,
the one balance that moved."""

# ruff: noqa: F811  (pytest fixtures imported, then named as arguments)
from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from bot.webhooks_out.compose import webhook_sender
from ledger.payments.stk_requests import RequestStatus
from ledger.records.attendance import AttendanceRecord
from ledger.records.results import Score
from ledger.records.tables import School, Student
from ledger.staff.api_keys import Scope, create_key
from tests.e2e.conftest import PARENT, TODAY
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    http,
    karo,
    karo_server,
    mpesa_redis,
    pay_by_ussd,
    payments,
    requests,
    services,
    wait_for,
)
from tests.integration.webhooks_out.receiver import Receiver, receiver, receiver_server  # noqa: F401

STUDENTS = 1_000


def school_days(until: dt.date, count: int) -> list[dt.date]:
    days, on = [], until
    while len(days) < count:
        if on.weekday() < 5:
            days.append(on)
        on -= dt.timedelta(days=1)
    return sorted(days)


def test_a_school_system_syncs_a_week_and_hears_of_an_stk_payment(
    http: httpx.Client, daraja, services, schools, receiver: Receiver
) -> None:
    with services.sessions.begin() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        _, key = create_key(session, kilimani.id, "SIS", Scope.WRITE, actor="t", now=dt.datetime.now(dt.UTC))
    sis = {"Authorization": f"Bearer {key}"}

    hooked = http.post(
        "/api/v1/webhooks", json={"url": receiver.url + "/sis", "events": ["payment.received"]}, headers=sis
    )
    assert hooked.status_code == 201, hooked.text
    secret = hooked.json()["secret"]

    pupils = [
        {
            "admission_no": f"KJA-{1000 + n}",
            "name": f"Sync Pupil {n}",
            "class": f"Grade {4 + n % 3}",
            "guardians": [{"name": f"Parent {n}", "phone": f"0711{n:06d}"}],
            "language": "sw" if n % 3 == 0 else "en",
        }
        for n in range(STUDENTS)
    ]
    upserted = http.put("/api/v1/students", json={"students": pupils}, headers=sis, timeout=120)
    assert upserted.status_code == 200, upserted.text
    assert (upserted.json()["items"], upserted.json()["created"]) == (STUDENTS, STUDENTS)
    again = http.put("/api/v1/students", json={"students": pupils}, headers=sis, timeout=120).json()
    assert (again["created"], again["unchanged"]) == (0, STUDENTS)  # a sync run twice changes nothing

    week = school_days(TODAY, 5)
    for day in week:
        marks = [
            {"admission_no": p["admission_no"], "status": "absent" if n % 10 == day.weekday() else "present"}
            for n, p in enumerate(pupils)
        ]
        posted = http.put("/api/v1/attendance", json={"date": day.isoformat(), "marks": marks}, headers=sis)
        assert posted.status_code == 200, posted.text
    scores = [
        {"admission_no": p["admission_no"], "subject": "Mathematics", "score": n % 101}
        for n, p in enumerate(pupils)
    ]
    examined = http.put("/api/v1/results", json={"exam": "Mid-term", "scores": scores}, headers=sis)
    assert examined.status_code == 200, examined.text
    with services.sessions() as session:
        synced = select(Student.id).where(Student.admission_no.like("KJA-1%"))
        assert session.scalar(select(func.count()).select_from(synced.subquery())) == STUDENTS
        marked = (
            select(func.count()).select_from(AttendanceRecord).where(AttendanceRecord.student_id.in_(synced))
        )
        assert session.scalar(marked) == STUDENTS * len(week)
        results = select(func.count()).select_from(Score).where(Score.student_id.in_(synced))
        assert session.scalar(results) == STUDENTS

    before_payment = dt.datetime.now(dt.UTC)
    assert "M-Pesa" in pay_by_ussd(http, PARENT)
    (prompt,) = wait_for(lambda: daraja.prompts(status="pending"))
    resolved = daraja.resolve(prompt["checkout_request_id"], result_code=0, callback="duplicate", copies=3)
    wait_for(lambda: [r for r in requests(schools) if r.status == RequestStatus.PAID])
    sender = webhook_sender(services)
    try:
        assert sender.run().delivered == 1
    finally:
        sender.client.close()
    (heard,) = receiver.received
    assert heard.signed_with(secret) and heard.json["type"] == "payment.received"
    assert (heard.json["data"]["reference"], heard.json["data"]["admission_no"]) == (
        resolved["receipt"],
        "KJA-001",
    )

    moved = http.get("/api/v1/balances", params={"updated_since": before_payment.isoformat()}, headers=sis)
    assert moved.status_code == 200, moved.text
    assert [b["admission_no"] for b in moved.json()["items"]] == ["KJA-001"]
    (payment,) = payments(schools)
    assert moved.json()["items"][0]["total"] == heard.json["data"]["balance_after_cents"]
    assert payment.receipt_no == heard.json["data"]["receipt_no"]
