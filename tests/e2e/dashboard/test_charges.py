"""Optional items, one-off charges and fee-structure changes from the dashboard: the amount shown before
it is posted, each form posted once, each change audited; a clerk or head gets 403 and nothing changes."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.enrolments import Enrolment
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Entry, EntryKind
from ledger.db import transaction
from ledger.records.tables import FeeItem, VoteHead
from tests import builders as b
from tests.e2e.dashboard.conftest import CLERK_A, HEAD_A, csrf_of, sign_in
from tests.e2e.dashboard.test_money import achieng_id
from tests.e2e.dashboard.test_pages import kilimani
from tests.e2e.dashboard.test_reminders import audited

HIDDEN = re.compile(r'name="(\w+)" value="([^"]*)"')


@pytest.fixture
def transport(staffed: sessionmaker[Session]) -> int:
    """Kilimani's Grade 6 may take the bus: KES 8,100 a term (81 days: KES 100 a day); its vote head id."""
    with transaction(staffed) as session:
        school, term, grade = kilimani(session)
        head = b.vote_head(session, school, "Transport", 20)
        session.add(
            FeeItem(
                school_id=school.id, term_id=term.id, class_id=grade.id, vote_head_id=head.id, amount=8_100_00
            )
        )
        session.flush()
        session.scalars(select(FeeItem).where(FeeItem.vote_head_id == head.id)).one().optional = True
        return head.id


def fields_of(page: httpx.Response, form_id: str) -> dict[str, str]:
    """The hidden fields of the page's form with ``form_id``."""
    text = page.text[page.text.index(f'id="{form_id}"') :]
    form = text[: text.index("</form>")]
    return dict(HIDDEN.findall(form))


def charges(factory: sessionmaker[Session]) -> list[Entry]:
    with factory() as session:
        return list(session.scalars(select(Entry).where(Entry.kind == EntryKind.CHARGE)))


def owed(factory: sessionmaker[Session], student_id: int) -> int:
    with factory() as session:
        return total_owed(session, student_id)


def test_starting_an_optional_item_shows_the_charge_then_posts_it_once(
    bursar: TestClient, staffed: sessionmaker[Session], transport: int
) -> None:
    pupil = achieng_id(staffed)
    page = bursar.get(f"/dashboard/students/{pupil}")
    assert "Transport" in page.text and "not taken" in page.text
    preview = bursar.get(f"/dashboard/students/{pupil}/optional/{transport}")
    assert preview.status_code == 200
    said = r"Transport from \d{4}-\d\d-\d\d: charge KES 6,100.00 \(61 of 81 days\)"
    assert re.search(said, preview.text), preview.text[preview.text.index("<main") :]
    form = fields_of(preview, "optional-confirm")
    assert form["expected"] == "610000" and form["join"] == "1"
    before = owed(staffed, pupil)
    for _ in range(2):  # a double submit posts once
        done = bursar.post(f"/dashboard/students/{pupil}/optional/{transport}", data=form)
        assert done.status_code == 303
    assert owed(staffed, pupil) == before + 6_100_00
    assert len(charges(staffed)) == 1
    [entry] = audited(staffed, "enrolment.join")
    assert entry.actor == "bursar@kilimani.ac.ke" and entry.after["amount"] == 6_100_00
    page = bursar.get(done.headers["location"])
    assert "taken</span> since" in page.text and "Stop Transport" in page.text
    stop = bursar.get(f"/dashboard/students/{pupil}/optional/{transport}")
    assert "Transport stopped from" in stop.text and "credit KES 6,100.00" in stop.text
    late = bursar.get(f"/dashboard/students/{pupil}/optional/{transport}", params={"on": "2099-01-01"})
    assert late.status_code == 422 and "choose a day in the term" in late.text


def test_a_one_off_charge_from_the_student_page_posts_once_and_a_bad_one_is_explained(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    page = bursar.get(f"/dashboard/students/{pupil}")
    form = fields_of(page, "charge-form")
    with staffed() as session:
        tuition = session.scalars(select(VoteHead.id).where(VoteHead.name == "Tuition")).first()
    bad = bursar.post(
        f"/dashboard/students/{pupil}/charge",
        data={**form, "vote_head": str(tuition), "amount": "1,50", "memo": "x"},
    )
    assert bad.status_code == 422 and "is not an amount in KES" in bad.text and 'value="1,50"' in bad.text
    good = {**form, "vote_head": str(tuition), "amount": "1,000", "memo": "Admission fee"}
    before = owed(staffed, pupil)
    for _ in range(2):
        assert bursar.post(f"/dashboard/students/{pupil}/charge", data=good).status_code == 303
    assert owed(staffed, pupil) == before + 1_000_00
    assert [e.memo for e in charges(staffed)] == ["Admission fee"]
    assert audited(staffed, "charge.post")[0].after["students"] == ["KJA-001"]
    assert "Admission fee" in bursar.get(f"/dashboard/students/{pupil}").text


def test_a_class_is_charged_once_per_active_student(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(staffed) as session:
        _, _, grade = kilimani(session)
        b.student(session, grade, "KJA-002", "Brian Kamau")
        b.student(session, grade, "KJA-003", "Left Already").active = False
        tuition = session.scalars(select(VoteHead.id).where(VoteHead.name == "Tuition")).first()
        class_id = grade.id
    page = bursar.get(f"/dashboard/classes/{class_id}/charge")
    assert "Each of the 2 active students" in page.text
    form = {
        **fields_of(page, "class-charge-form"),
        "vote_head": str(tuition),
        "amount": "500",
        "memo": "Trip",
    }
    done = bursar.post(f"/dashboard/classes/{class_id}/charge", data=form)
    assert done.status_code == 303 and "Charged 2 students" in bursar.get(done.headers["location"]).text
    bursar.post(f"/dashboard/classes/{class_id}/charge", data=form)
    assert len(charges(staffed)) == 2


def test_a_fee_change_after_invoicing_is_previewed_with_who_it_touches_then_applied_once(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with staffed() as session:
        _, term, grade = kilimani(session)
        base = f"/dashboard/terms/{term.id}/classes/{grade.id}/structure"
    page = bursar.get(base)
    assert "1 student invoiced" in page.text
    preview = bursar.get(base + "/preview", params={"vote_head": "Tuition", "amount": "36,000"})
    assert (
        "1 invoiced student charged KES 1,000.00 each" in preview.text
        and "KJA-001 Achieng Otieno" in preview.text
    )
    form = fields_of(preview, "fee-confirm")
    pupil = achieng_id(staffed)
    before = owed(staffed, pupil)
    for _ in range(2):
        assert (r := bursar.post(base, data=form)).status_code == 303, r.text[r.text.index("<main") :]
    assert owed(staffed, pupil) == before + 1_000_00
    assert len(charges(staffed)) == 1
    [entry] = audited(staffed, "fees.change")
    assert entry.before == {"vote_head": "Tuition", "amount": 35_000_00}
    assert entry.after is not None and entry.after["students"] == ["KJA-001"]
    refused = bursar.post(
        base + "/optional",
        data={"csrf_token": csrf_of(page), "vote_head_id": _tuition(staffed), "optional": "1"},
    )
    assert refused.status_code == 422 and "already invoiced" in refused.text
    added = bursar.get(base + "/preview", params={"vote_head": "Lunch", "amount": "4,500"})
    assert "1 invoiced student charged KES 4,500.00" in added.text
    assert bursar.post(base, data=fields_of(added, "fee-confirm")).status_code == 303
    assert owed(staffed, pupil) == before + 5_500_00
    with staffed() as session:
        assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def _tuition(factory: sessionmaker[Session]) -> str:
    with factory() as session:
        return str(session.scalars(select(VoteHead.id).where(VoteHead.name == "Tuition")).first())


@pytest.mark.parametrize("email", [CLERK_A, HEAD_A])
def test_a_clerk_or_head_cannot_charge_enrol_or_change_fees(
    web: TestClient, staffed: sessionmaker[Session], transport: int, email: str
) -> None:
    assert sign_in(web, email).status_code == 303
    pupil = achieng_id(staffed)
    with staffed() as session:
        _, term, grade = kilimani(session)
        base = f"/dashboard/terms/{term.id}/classes/{grade.id}/structure"
        class_id = grade.id
    page = web.get(f"/dashboard/students/{pupil}")
    assert page.status_code == 200 and 'id="charge-form"' not in page.text
    token = csrf_of(page)
    form = {
        "csrf_token": token,
        "form_token": "ABCDEF123456",
        "vote_head": str(transport),
        "amount": "5",
        "memo": "x",
    }
    posts = [
        (f"/dashboard/students/{pupil}/charge", form),
        (f"/dashboard/students/{pupil}/optional/{transport}", {**form, "join": "1", "on": "2026-01-01"}),
        (f"/dashboard/classes/{class_id}/charge", form),
        (base, {**form, "vote_head": "Tuition", "before": "3500000", "students": "1"}),
        (base + "/optional", {"csrf_token": token, "vote_head_id": str(transport), "optional": "0"}),
    ]
    for url, data in posts:
        assert web.post(url, data=data).status_code == 403, url
    for url in (f"/dashboard/students/{pupil}/optional/{transport}", f"/dashboard/classes/{class_id}/charge"):
        assert web.get(url).status_code == 403, url
    assert web.get(base + "/preview", params={"vote_head": "Tuition", "amount": "1"}).status_code == 403
    with staffed() as session:
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 0
        assert session.scalar(select(func.count()).where(Entry.kind == EntryKind.CHARGE)) == 0
        assert session.scalars(select(FeeItem.optional).where(FeeItem.vote_head_id == transport)).one()
