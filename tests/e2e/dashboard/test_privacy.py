"""A parent's data in the dashboard: the page shows this school's records of a phone that is also a
guardian's in another school, and nothing of the other school's; looking is audited; only the head may
erase, after confirming, and erasure leaves the other school's guardian and the books as they were."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.records.tables import Guardian, School
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import BURSAR_A, HEAD_A, post_form, sign_in

PHONE = "0712000001"  # a guardian in both schools
E164 = "+254712000001"
PAGE = "/dashboard/privacy/export"


def test_the_head_sees_and_erases_a_guardian_of_their_school_only(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert sign_in(web, BURSAR_A).status_code == 303
    refused = post_form(web, "/dashboard/privacy/erase", {"phone": PHONE, "reason": "r", "confirm": "ERASE"})
    assert refused.status_code == 403
    web.cookies.clear()
    assert sign_in(web, HEAD_A).status_code == 303

    page = web.get(PAGE, params={"phone": PHONE})
    assert page.status_code == 200
    assert "Achieng Otieno" in page.text and "Baraka" not in page.text and "Mwangaza" not in page.text
    with staffed() as session:
        looks = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.export")).all()
        assert len(looks) == 1 and E164 not in str(looks[0].after)
    assert web.get(PAGE, params={"phone": "12"}).status_code == 422

    unconfirmed = post_form(
        web, "/dashboard/privacy/erase", {"phone": PHONE, "reason": "letter", "confirm": ""}
    )
    assert unconfirmed.status_code == 422 and "Type ERASE" in unconfirmed.text
    done = post_form(
        web, "/dashboard/privacy/erase", {"phone": PHONE, "reason": "letter of 1 Dec", "confirm": "ERASE"}
    )
    assert done.status_code == 303

    with staffed() as session:
        holders = session.execute(select(School.slug).join(Guardian).where(Guardian.phone == E164)).scalars()
        assert list(holders) == ["mwangaza"]  # the other school's guardian stays
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).one()
        assert row.actor == HEAD_A and E164 not in str(row.after) and PHONE not in str(row.after)
        assert not unbalanced_entries(session) and not cached_balance_mismatches(session)
    after = web.get(PAGE, params={"phone": PHONE})
    assert "No guardian of this school has this phone" in after.text
