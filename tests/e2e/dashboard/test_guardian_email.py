"""A guardian's email address and email as their channel, set from the student page: shown, audited, a
bad address refused beside the field, and a new address forgets an earlier bounce."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ledger.records.tables import Channel, Guardian
from tests.e2e.dashboard.conftest import CLERK_A
from tests.e2e.dashboard.test_pages import enrol
from tests.e2e.dashboard.test_register import OLD, as_staff, audit_rows, desk, guardian_id, send  # noqa: F401


def test_a_clerk_sets_email_as_the_channel_and_a_bad_address_is_refused_inline(
    desk: TestClient,  # noqa: F811
    staffed: sessionmaker[Session],
) -> None:
    pupil = enrol(staffed, "KJA-002", "Brian Kamau", phone=OLD)
    as_staff(desk, CLERK_A)
    url = f"/dashboard/students/{pupil}/guardians/{guardian_id(staffed, OLD)}/preferences"
    bad = send(desk, url, language="en", channel="email", email="mama at example")
    assert bad.status_code == 422 and "is not an email address" in bad.text
    assert 'value="mama at example"' in bad.text  # what was typed, shown again to correct
    with staffed.begin() as session:  # an address that bounced earlier
        guardian = session.get_one(Guardian, guardian_id(staffed, OLD))
        guardian.email, guardian.email_bounced_at = "old@example.com", dt.datetime.now(dt.UTC)
    assert "email bounced" in desk.get(f"/dashboard/students/{pupil}").text

    saved = send(desk, url, language="sw", channel="email", email=" Mama.Brian@Example.com ")
    assert saved.status_code == 303
    page = desk.get(saved.headers["location"]).text
    assert "Mama.Brian@example.com" in page and "email bounced" not in page
    with staffed() as session:
        guardian = session.get_one(Guardian, guardian_id(staffed, OLD))
        assert (guardian.preferred_channel, guardian.email) == (Channel.EMAIL, "Mama.Brian@example.com")
        assert guardian.email_bounced_at is None
    [row] = audit_rows(staffed, "guardian.preferences")
    assert row.before is not None and row.after is not None
    assert (row.before["guardians"][0]["email"], row.after["guardians"][0]["email"]) == (
        "old@example.com",
        "Mama.Brian@example.com",
    )
