"""The announcements page through the app: a bursar previews with HTMX (families, channel, parts, cost),
sends, and pressing Send again queues nothing new; the head may send, a clerk may preview but not send; bad
input is kept and explained; the delivery page shows each family; another school's announcement is not found.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import NAIROBI
from ledger.db import transaction
from ledger.messaging.announcement_reports import SMS_PART_CENTS
from ledger.messaging.announcements import Announcement, Audience, Texts, announce
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.money import kes
from ledger.records.tables import School
from ledger.sms_parts import sms_segments
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import CLERK_A, HEAD_A, Clock, csrf_of, dashboard_client, sign_in

PAGE = "/dashboard/announcements"
TEXT = "School closes at noon on Friday for the sports day."
FORM = {
    "classes": "Grade 6",
    "owing_over": "1,000",
    "text": TEXT,
    "text_sw": "Shule itafungwa saa sita Ijumaa.",
}


@pytest.fixture(autouse=True)
def morning(clock: Clock) -> Clock:
    clock.now = dt.datetime(2026, 3, 2, 10, tzinfo=NAIROBI).astimezone(dt.UTC)
    return clock


def post(client: TestClient, path: str, data: dict[str, str], htmx: bool = False):
    token = csrf_of(client.get(PAGE))
    if htmx:
        return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRF-Token": token})
    return client.post(path, data={**data, "csrf_token": token})


def announcements_in_outbox(factory: sessionmaker[Session]) -> list[tuple[int | None, str, str]]:
    with factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.category == Category.ANNOUNCEMENT)
        return [(m.school_id, m.phone, m.body) for m in session.scalars(query)]


def test_preview_send_and_send_again(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    page = bursar.get(PAGE)
    assert page.status_code == 200 and 'href="/dashboard/announcements" aria-current="page"' in page.text
    shown = post(bursar, f"{PAGE}/preview", FORM, htmx=True)
    assert shown.status_code == 200 and "<html" not in shown.text  # the pane alone
    body = f"Kilimani Junior Academy: {TEXT}"
    parts = sms_segments(body)
    assert '<dd id="families">1</dd>' in shown.text and '<dd id="by-sms">1</dd>' in shown.text
    assert f'<dd id="parts">{parts}</dd>' in shown.text
    assert f'<dd id="cost">{kes(parts * SMS_PART_CENTS, always_cents=True)}</dd>' in shown.text
    assert 'id="ucs2"' not in shown.text and 'id="send"' in shown.text
    whole = post(bursar, f"{PAGE}/preview", FORM)  # without JavaScript: the page, preview and form as typed
    assert whole.status_code == 200 and "<html" in whole.text and '<dd id="families">1</dd>' in whole.text
    assert f">{TEXT}</textarea>" in whole.text
    sent = post(bursar, f"{PAGE}/send", FORM)
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("?queued=1")
    again = post(bursar, f"{PAGE}/send", FORM)  # a second press
    assert again.headers["location"] == sent.headers["location"].replace("queued=1", "queued=0")
    with staffed() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        audits = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "announcement.send")))
    assert announcements_in_outbox(staffed) == [(kilimani.id, "+254712000001", body)]
    assert [(a.actor, a.after["queued"]) for a in audits] == [("bursar@kilimani.ac.ke", 1)]
    detail = bursar.get(sent.headers["location"])
    assert detail.status_code == 200 and 'id="queued"' in detail.text
    assert '<dd id="count-queued">1</dd>' in detail.text and "Mama Otieno" in detail.text
    listed = bursar.get(PAGE)
    assert TEXT in listed.text and "all families in Grade 6 owing over KES 1,000" in listed.text


def test_bad_input_is_explained_and_kept(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    unknown = post(bursar, f"{PAGE}/preview", {**FORM, "classes": "Grade 77"})
    assert unknown.status_code == 422 and "Kilimani has no class &#39;Grade 77&#39;." in unknown.text
    assert TEXT in unknown.text  # the message as typed
    for path, data, says in (
        ("preview", {**FORM, "text": "  "}, "The text is empty"),
        ("preview", {**FORM, "owing_over": "lots"}, "is not an amount in KES"),
        ("send", {**FORM, "owing_over": "999999"}, "No family to send to"),
    ):
        pane = post(bursar, f"{PAGE}/{path}", data, htmx=True)
        assert pane.status_code == 200 and says in pane.text, says
    assert announcements_in_outbox(staffed) == []


def test_head_sends_clerk_only_previews_and_other_schools_are_not_found(
    engine: Engine, staffed: sessionmaker[Session], clock: Clock
) -> None:
    with transaction(staffed) as session:
        mwangaza = session.scalars(select(School).where(School.slug == "mwangaza")).one()
        theirs, _ = announce(session, mwangaza, Audience(), Texts("Mwangaza news"), author="b", now=clock.now)
    with dashboard_client(engine, clock) as clerk:
        assert sign_in(clerk, CLERK_A).status_code == 303
        shown = post(clerk, f"{PAGE}/preview", FORM, htmx=True)
        assert '<dd id="families">1</dd>' in shown.text and 'id="send"' not in shown.text
        assert post(clerk, f"{PAGE}/send", FORM).status_code == 403
        assert clerk.get(f"{PAGE}/{theirs.id}").status_code == 404
        assert "Mwangaza news" not in clerk.get(PAGE).text
    with dashboard_client(engine, clock) as head:
        assert sign_in(head, HEAD_A).status_code == 303
        assert post(head, f"{PAGE}/send", {"text": "Closing day is Friday."}).status_code == 303
    with staffed() as session:
        made = session.scalars(select(Announcement).order_by(Announcement.id)).all()
        queued = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.category == Category.ANNOUNCEMENT)
        )
        assert [a.author for a in made] == ["b", "head@kilimani.ac.ke"]
        assert set(queued) == {MessageStatus.QUEUED}
