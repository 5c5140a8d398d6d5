"""Bursaries from the dashboard: a bursar awards one from the student's page (audited, the balance falls),
a bad form is explained and changes nothing, a clerk is refused; the sponsors page shows pledged, received
and outstanding; a sponsor's cheque is previewed, then recorded once and split over its students."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorCheque
from ledger.books.balances import total_owed
from ledger.records.tables import Student, Term
from tests.e2e.dashboard.conftest import CLERK_A, csrf_of, sign_in
from tests.e2e.dashboard.test_money import achieng_id, count
from tests.e2e.dashboard.test_reminders import audited

FEE = 35_000_00
TOKEN = re.compile(r'name="form_token" value="([0-9A-F]{12})"')


def owed(factory: sessionmaker[Session], student_id: int) -> int:
    with factory() as session:
        return total_owed(session, student_id)


def term_id(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        student = session.get_one(Student, achieng_id(factory))
        return session.scalars(select(Term.id).where(Term.school_id == student.school_id)).one()


def bursary_form(
    client: TestClient, student_id: int, factory: sessionmaker[Session], **fields: str
) -> dict[str, str]:
    page = client.get(f"/dashboard/students/{student_id}")
    found = TOKEN.search(page.text)
    assert found, "no bursary form on the student's page"
    form = {"csrf_token": csrf_of(page), "form_token": found.group(1), "term_id": str(term_id(factory))}
    return {**form, "sponsor": "NG-CDF Westlands", "amount": "10,000", **fields}


def add(client: TestClient, student_id: int, form: dict[str, str]) -> httpx.Response:
    return client.post(f"/dashboard/students/{student_id}/bursaries", data=form)


def test_a_bursar_awards_a_bursary_from_the_student_page(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    form = bursary_form(bursar, pupil, staffed)
    answer = add(bursar, pupil, form)
    assert answer.status_code == 303
    page = bursar.get(answer.headers["location"]).text
    assert "Bursary saved." in page and "NG-CDF Westlands" in page and "credited" in page
    assert owed(staffed, pupil) == FEE - 10_000_00
    assert add(bursar, pupil, form).status_code == 303  # a double submit awards once
    assert count(staffed, BursaryAward) == 1 and owed(staffed, pupil) == FEE - 10_000_00
    [entry] = audited(staffed, "bursary.add")
    assert entry.actor == "bursar@kilimani.ac.ke" and entry.after is not None
    assert entry.after["credited"] == 10_000_00 and entry.after["balance"] == FEE - 10_000_00


def test_a_bad_form_is_explained_and_changes_nothing(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    for fields, says in [
        ({"amount": "ten"}, "Amount &#39;ten&#39; is not an amount"),
        ({"amount": "120%"}, "at most 100%"),
        ({"amount": "40,000"}, "left to award"),
        ({"sponsor": " "}, "Name the sponsor"),
        ({"term_id": ""}, "Choose the term"),
    ]:
        answer = add(bursar, pupil, bursary_form(bursar, pupil, staffed, **fields))
        assert answer.status_code == 422, fields
        assert says in answer.text, (fields, answer.text[answer.text.find("bursary-error") :][:200])
    assert count(staffed, BursaryAward) == 0 and count(staffed, Sponsor) == 0 and owed(staffed, pupil) == FEE


def test_a_clerk_cannot_grant_a_bursary(web: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    sign_in(web, CLERK_A)
    page = web.get(f"/dashboard/students/{pupil}")
    assert page.status_code == 200 and "Add a bursary" not in page.text
    form = {"csrf_token": csrf_of(page), "form_token": "0123456789AB", "term_id": str(term_id(staffed))}
    refused = add(web, pupil, {**form, "sponsor": "CDF", "amount": "1000"})
    assert refused.status_code == 403 and "cannot" in refused.text
    sponsors = web.post("/dashboard/sponsors", data={"csrf_token": csrf_of(page), "name": "CDF"})
    assert sponsors.status_code == 403
    assert count(staffed, BursaryAward) == 0 and count(staffed, Sponsor) == 0 and owed(staffed, pupil) == FEE


def test_a_pledge_waits_until_confirmed(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    add(bursar, pupil, bursary_form(bursar, pupil, staffed, conditional="1", amount="5000"))
    assert owed(staffed, pupil) == FEE
    with staffed() as session:
        award_id = session.scalars(select(BursaryAward.id)).one()
    page = bursar.get(f"/dashboard/students/{pupil}")
    assert "pledged" in page.text
    confirmed = bursar.post(
        f"/dashboard/students/{pupil}/bursaries/{award_id}/confirm", data={"csrf_token": csrf_of(page)}
    )
    assert confirmed.status_code == 303 and owed(staffed, pupil) == FEE - 5_000_00
    assert len(audited(staffed, "bursary.confirm")) == 1


def test_sponsors_page_and_a_cheque_previewed_then_recorded_once(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    add(bursar, pupil, bursary_form(bursar, pupil, staffed, amount="10,000"))
    with staffed() as session:
        sponsor_id = session.scalars(select(Sponsor.id)).one()
    listing = bursar.get("/dashboard/sponsors").text
    assert "NG-CDF Westlands" in listing and "NG-CDF" in listing and "KES 10,000" in listing
    page = bursar.get(f"/dashboard/sponsors/{sponsor_id}")
    fields = {"csrf_token": csrf_of(page), "term_id": str(term_id(staffed)), "reference": "000777",
              "received_on": "2026-02-02", "lines": "KJA-001,12000\n"}  # fmt: skip
    preview = bursar.post(f"/dashboard/sponsors/{sponsor_id}/cheque", data=fields)
    assert preview.status_code == 200 and 'id="cheque-preview"' in preview.text
    assert "new award KES 2,000" in preview.text and count(staffed, SponsorCheque) == 0
    for _ in range(2):  # posted twice: one cheque
        posted = bursar.post(f"/dashboard/sponsors/{sponsor_id}/cheque", data={**fields, "step": "post"})
        assert posted.status_code == 303
    assert count(staffed, SponsorCheque) == 1 and owed(staffed, pupil) == FEE - 12_000_00
    sponsor = bursar.get(posted.headers["location"]).text
    assert "Cheque recorded" in sponsor and "000777" in sponsor
    assert "received KES 12,000.00" in sponsor and "outstanding KES 0.00" in sponsor
    statement = bursar.get(f"/dashboard/sponsors/{sponsor_id}/statement").text
    assert "Sponsor statement" in statement and "KJA-001 Achieng Otieno" in statement
    assert len(audited(staffed, "bursary.cheque")) == 1
    bad = bursar.post(f"/dashboard/sponsors/{sponsor_id}/cheque", data={**fields, "lines": "KJA-404,100\n"})
    assert bad.status_code == 422 and "line 1: unknown admission number KJA-404" in bad.text


def test_a_bursar_adds_a_sponsor_of_a_chosen_kind(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    page = bursar.get("/dashboard/sponsors")
    assert "No sponsors yet" in page.text
    bad = bursar.post(
        "/dashboard/sponsors", data={"csrf_token": csrf_of(page), "name": "Acme", "kind": "bank"}
    )
    assert bad.status_code == 422 and "Choose the sponsor&#39;s kind" in bad.text
    made = bursar.post(
        "/dashboard/sponsors", data={"csrf_token": csrf_of(page), "name": "Acme", "kind": "company"}
    )
    assert made.status_code == 303
    sponsor = bursar.get(made.headers["location"]).text
    assert "Acme <small>Company</small>" in sponsor and 'id="cheque-form"' in sponsor
    assert len(audited(staffed, "sponsor.add")) == 1
