"""The settings pages through the app: terms, fee rules, staff (invites, roles, disabling, password resets)
and the school's profile. Every change is audited with its before and after; bad input is a 422 page that
says what is wrong and changes nothing; clerks (and, for staff, bursars) are refused with 403."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.crypto import SecretBox
from bot.settings import Settings
from ledger.billing.fee_rules import rules_for
from ledger.books.tables import Entry
from ledger.records.tables import School, Term
from ledger.staff.audit import AuditEntry
from ledger.staff.invites import StaffLink
from ledger.staff.members import Role, StaffMember, find_staff
from tests.e2e.dashboard.conftest import (
    BURSAR_A,
    CLERK_A,
    FAST,
    HEAD_A,
    PASSWORD,
    Clock,
    dashboard_client,
    post_form,
    sign_in,
)

LINK = re.compile(r'id="link-url">(https?://[^<]+)<')
NEW_PASSWORD = "a brand new passphrase"


def audits(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with factory() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(query))


def kilimani(session: Session) -> School:
    return session.scalars(select(School).where(School.slug == "kilimani")).one()


def post(client: TestClient, url: str, data: dict[str, str], page: str) -> httpx.Response:
    return post_form(client, url, data, from_page=page)


@pytest.fixture
def head(engine: Engine, staffed: sessionmaker[Session], clock: Clock) -> Any:
    with dashboard_client(engine, clock) as client:
        assert sign_in(client, HEAD_A).status_code == 303
        yield client


@pytest.fixture
def clerk(engine: Engine, staffed: sessionmaker[Session], clock: Clock) -> Any:
    with dashboard_client(engine, clock) as client:
        assert sign_in(client, CLERK_A).status_code == 303
        yield client


def test_the_settings_index_links_every_section(bursar: TestClient) -> None:
    page = bursar.get("/dashboard/settings")
    assert page.status_code == 200
    for href in (
        "/dashboard/settings/terms",
        "/dashboard/settings/fee-rules",
        "/dashboard/reminders",
        "/dashboard/settings/staff",
        "/dashboard/settings/profile",
        "/dashboard/year/rollover",
    ):
        assert f'href="{href}' in page.text, href
    assert 'href="/dashboard/settings"' in bursar.get("/dashboard").text  # in the nav


def test_terms_dates_are_edited_and_added_with_term_sets_rules(
    bursar: TestClient, clerk: TestClient, staffed: sessionmaker[Session]
) -> None:
    page_url = "/dashboard/settings/terms"
    with staffed() as session:
        term = session.scalars(select(Term).where(Term.school_id == kilimani(session).id)).one()
        term_id, code, old_start = term.id, term.code, term.starts_on
        invoiced = session.scalar(select(func.count(Entry.id)).where(Entry.term_id == term_id))
    page = bursar.get(page_url)
    assert "invoiced" in page.text and "keeps the fees it was invoiced" in page.text
    start, due, end = (
        old_start + dt.timedelta(days=1),
        old_start + dt.timedelta(days=10),
        old_start + dt.timedelta(days=80),
    )
    dates = {"starts_on": start.isoformat(), "due_on": due.isoformat(), "ends_on": end.isoformat()}
    for bad, says in (
        ({**dates, "due_on": (end + dt.timedelta(days=1)).isoformat()}, "must fall due"),
        ({**dates, "ends_on": (start - dt.timedelta(days=1)).isoformat()}, "must start"),
        ({**dates, "starts_on": "31/02/2027"}, "is not a date"),
        ({**dates, "starts_on": ""}, "is not a date"),
    ):
        refused = post(bursar, f"{page_url}/{term_id}", bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
    assert not audits(staffed, "term.set")
    saved = post(bursar, f"{page_url}/{term_id}", dates, page_url)
    assert saved.status_code == 303
    with staffed() as session:
        term = session.get_one(Term, term_id)
        assert (term.starts_on, term.due_on, term.ends_on) == (start, due, end)
        # Nothing invoiced again: the term's invoices are those it had.
        assert session.scalar(select(func.count(Entry.id)).where(Entry.term_id == term_id)) == invoiced
    [edit] = audits(staffed, "term.set")
    assert edit.actor == BURSAR_A and edit.target == f"term:{term_id}"
    assert edit.before["starts_on"] == old_start.isoformat() and edit.after == {"term": code, **dates}

    new = {"code": "2031-2", "starts_on": "2031-05-04", "due_on": "2031-05-18", "ends_on": "2031-08-07"}
    for bad, says in (
        ({**new, "code": "2031-4"}, "does not exist"),
        ({**new, "code": "next term"}, "should look like 2026-1"),
        ({**new, "code": code}, "already exists"),
        ({**new, "due_on": "2031-05-01"}, "must fall due"),
    ):
        refused = post(bursar, page_url, bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
        assert bad["code"] in refused.text  # what was typed is kept
    assert post(bursar, page_url, new, page_url).status_code == 303
    assert "Term 2031-2" in bursar.get(page_url).text
    added = audits(staffed, "term.set")[-1]
    assert added.before is None and added.after == {"term": "2031-2", **{k: new[k] for k in dates}}

    # A clerk reads the dates but cannot change them.
    assert "Save term" not in clerk.get(page_url).text
    assert post(clerk, page_url, {**new, "code": "2032-1"}, page_url).status_code == 403
    assert post(clerk, f"{page_url}/{term_id}", dates, page_url).status_code == 403


def test_fee_rules_are_set_checked_and_audited(
    bursar: TestClient, head: TestClient, clerk: TestClient, staffed: sessionmaker[Session]
) -> None:
    page_url = "/dashboard/settings/fee-rules"
    form = {
        "late_fee": "500",
        "grace_days": "7",
        "late_fee_head": "Late fee",
        "sibling_discount": "10%",
        "sibling_heads": "tuition",
        "early_discount": "2.5%",
        "early_days": "14",
        "early_heads": "",
    }
    for bad, says in (
        ({**form, "late_fee": "five hundred"}, "should be an amount in KES"),
        ({**form, "sibling_discount": "150%"}, "is more than 100%"),
        ({**form, "early_discount": "-5%"}, "should be a percentage"),
        ({**form, "grace_days": "a week"}, "Grace days"),
        ({**form, "grace_days": "400"}, "must be 0 to 365"),
        ({**form, "sibling_heads": "Tution"}, "no vote head &#39;Tution&#39;"),
    ):
        refused = post(bursar, page_url, bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
    with staffed() as session:
        assert not rules_for(session, kilimani(session).id).late_fee_on  # nothing was saved
    assert post(bursar, page_url, form, page_url).status_code == 303
    with staffed() as session:
        rules = rules_for(session, kilimani(session).id)
        assert (rules.late_fee_cents, rules.late_fee_bp, rules.late_fee_grace_days) == (500_00, 0, 7)
        assert (rules.sibling_discount_bp, rules.sibling_vote_heads) == (1000, ["Tuition"])
        assert (rules.early_discount_bp, rules.early_discount_days, rules.early_vote_heads) == (250, 14, [])
    [first] = audits(staffed, "fees.rules")
    assert first.before["late_fee_cents"] == 0 and first.after["late_fee_cents"] == 500_00
    assert first.after["sibling_vote_heads"] == ["Tuition"]
    shown = bursar.get(page_url).text
    assert 'value="500"' in shown and 'value="10%"' in shown and 'value="2.5%"' in shown

    # The head changes money settings too: a share of what is overdue, and no sibling discount.
    assert (
        post(head, page_url, {**form, "late_fee": "5%", "sibling_discount": ""}, page_url).status_code == 303
    )
    with staffed() as session:
        rules = rules_for(session, kilimani(session).id)
        assert (rules.late_fee_cents, rules.late_fee_bp, rules.sibling_discount_bp) == (0, 500, 0)
    second = audits(staffed, "fees.rules")[-1]
    assert second.actor == HEAD_A and second.before == first.after and second.after["late_fee_bp"] == 500
    # Saving the same again writes no audit row.
    assert (
        post(head, page_url, {**form, "late_fee": "5%", "sibling_discount": ""}, page_url).status_code == 303
    )
    assert len(audits(staffed, "fees.rules")) == 2
    assert "Save fee rules" not in clerk.get(page_url).text
    assert post(clerk, page_url, form, page_url).status_code == 403


def link_of(page: httpx.Response) -> str:
    found = LINK.search(page.text)
    assert found, "no link on the page"
    return found.group(1).replace("https://testserver", "")


def set_password(client: TestClient, link: str, password: str, confirm: str | None = None) -> httpx.Response:
    # The session's CSRF token from the login page: a used link has no form to take it from.
    data = {"password": password, "confirm": password if confirm is None else confirm}
    return post(client, link, data, "/dashboard/login")


def test_a_head_invites_staff_with_a_link_that_works_once(
    head: TestClient, web: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    page_url = "/dashboard/settings/staff"
    for bad, says in (
        ({"email": "not an email", "role": "clerk"}, "is not an email address"),
        ({"email": BURSAR_A, "role": "clerk"}, "already has a staff account"),
        ({"email": "new@kilimani.ac.ke", "role": "admin"}, "is not one of"),
    ):
        refused = post(head, f"{page_url}/invite", bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
    invited = post(head, f"{page_url}/invite", {"email": "New@Kilimani.ac.ke", "role": "clerk"}, page_url)
    assert invited.status_code == 200 and "Karo does not send email yet" in invited.text
    link = link_of(invited)
    token = link.rsplit("/", 1)[1]
    with staffed() as session:
        member = find_staff(session, "new@kilimani.ac.ke")
        assert member is not None and member.role == Role.CLERK and member.active
        stored = session.scalars(select(StaffLink.token_hash)).all()
        assert token not in stored and len(stored) == 1  # only its hash is kept
    [row] = audits(staffed, "staff.invite")
    assert row.actor == HEAD_A and row.after == {
        "email": "new@kilimani.ac.ke",
        "role": "clerk",
        "active": True,
    }
    assert token not in str(row.after)
    # Before the link is used, no password signs in as them (not even an empty one).
    for guess in ("", "!", PASSWORD):
        assert sign_in(web, "new@kilimani.ac.ke", guess).status_code == 401
    assert "waiting on a link" in head.get(page_url).text

    form = web.get(link)
    assert form.status_code == 200 and "new@kilimani.ac.ke" in form.text
    assert set_password(web, link, "short").status_code == 422
    assert "not the same" in set_password(web, link, NEW_PASSWORD, "something else").text
    done = set_password(web, link, NEW_PASSWORD)
    assert done.status_code == 200 and "Your password is set" in done.text
    assert set_password(web, link, "a second password here").status_code == 404  # once only
    assert web.get(link).status_code == 404
    clock.advance(60)  # past the login throttle the three wrong guesses above set off
    assert sign_in(web, "new@kilimani.ac.ke", NEW_PASSWORD).status_code == 303
    assert audits(staffed, "staff.password")[-1].actor == "new@kilimani.ac.ke"

    # An unused link expires after seven days, and an unknown one is nothing.
    second = link_of(
        post(head, f"{page_url}/invite", {"email": "late@kilimani.ac.ke", "role": "bursar"}, page_url)
    )
    clock.advance(dt.timedelta(days=7, seconds=1).total_seconds())
    assert web.get(second).status_code == 404
    assert web.get("/dashboard/invite/not-a-real-token").status_code == 404


def test_only_the_head_manages_staff(
    bursar: TestClient, clerk: TestClient, staffed: sessionmaker[Session]
) -> None:
    page_url = "/dashboard/settings/staff"
    with staffed() as session:
        clerk_id = session.scalars(select(StaffMember.id).where(StaffMember.email == CLERK_A)).one()
    listed = bursar.get(page_url)
    assert listed.status_code == 200 and CLERK_A in listed.text and "Invite someone" not in listed.text
    for client in (bursar, clerk):
        for url, data in (
            (f"{page_url}/invite", {"email": "x@kilimani.ac.ke", "role": "bursar"}),
            (f"{page_url}/{clerk_id}/role", {"role": "head"}),
            (f"{page_url}/{clerk_id}/active", {"active": "off"}),
            (f"{page_url}/{clerk_id}/reset", {}),
        ):
            assert post(client, url, data, page_url).status_code == 403, url
    with staffed() as session:
        member = session.get_one(StaffMember, clerk_id)
        assert (member.role, member.active) == (Role.CLERK, True)
        assert find_staff(session, "x@kilimani.ac.ke") is None
    assert not [a for a in audits(staffed, "staff.role") + audits(staffed, "staff.active")]


def test_roles_disabling_and_resets_end_sessions_and_keep_a_head(
    head: TestClient,
    clerk: TestClient,
    web: TestClient,
    staffed: sessionmaker[Session],
    engine: Engine,
    clock: Clock,
) -> None:
    page_url = "/dashboard/settings/staff"
    with staffed() as session:
        ids = {m.email: m.id for m in session.scalars(select(StaffMember))}
    clerk_id, head_id, bursar_id = ids[CLERK_A], ids[HEAD_A], ids[BURSAR_A]

    # Role: the clerk becomes a bursar, and their open session may now change fee rules.
    assert post(head, f"{page_url}/{clerk_id}/role", {"role": "bursar"}, page_url).status_code == 200
    [role] = audits(staffed, "staff.role")
    assert role.before["role"] == "clerk" and role.after["role"] == "bursar"
    assert "Save fee rules" in clerk.get("/dashboard/settings/fee-rules").text
    assert post(head, f"{page_url}/{clerk_id}/role", {"role": "boss"}, page_url).status_code == 422

    # Disabled: their open session ends at once and they cannot sign in; enabled again, they can.
    assert post(head, f"{page_url}/{clerk_id}/active", {"active": "off"}, page_url).status_code == 200
    assert clerk.get("/dashboard").headers["location"].startswith("/dashboard/login")
    assert sign_in(web, CLERK_A).status_code == 401
    [disabled] = audits(staffed, "staff.active")
    assert disabled.before["active"] is True and disabled.after["active"] is False
    assert "disabled" in head.get(page_url).text
    assert post(head, f"{page_url}/{clerk_id}/active", {"active": "on"}, page_url).status_code == 200
    assert sign_in(web, CLERK_A).status_code == 303

    # The only head can neither step down nor disable themselves.
    for url, data in (
        (f"{page_url}/{head_id}/role", {"role": "bursar"}),
        (f"{page_url}/{head_id}/active", {}),
    ):
        refused = post(head, url, data, page_url)
        assert refused.status_code == 422 and "only active head" in refused.text
    with staffed() as session:
        member = session.get_one(StaffMember, head_id)
        assert (member.role, member.active) == (Role.HEAD, True)

    # A reset: the bursar's password stops working and their sessions end; the link sets a new one.
    with dashboard_client(engine, clock) as other:
        assert sign_in(other, BURSAR_A).status_code == 303
        reset = post(head, f"{page_url}/{bursar_id}/reset", {}, page_url)
        assert reset.status_code == 200 and "Password reset for" in reset.text
        assert other.get("/dashboard").headers["location"].startswith("/dashboard/login")
    assert sign_in(web, BURSAR_A).status_code == 401
    [row] = audits(staffed, "staff.reset")
    assert row.before["password"] == "set" and "link" in row.after["password"]
    assert set_password(web, link_of(reset), NEW_PASSWORD).status_code == 200
    assert sign_in(web, BURSAR_A, NEW_PASSWORD).status_code == 303


def test_the_school_profile_and_its_daraja_app(
    bursar: TestClient, clerk: TestClient, staffed: sessionmaker[Session]
) -> None:
    page_url = "/dashboard/settings/profile"
    good = {
        "name": "Kilimani Junior Academy",
        "sms_sender": "KILIMANI",
        "paybill": "522522",
        "ussd_code": "*384*27#",
    }
    for bad, says in (
        ({**good, "sms_sender": "KILIMANIJUNIOR"}, "1 to 11 letters and digits"),
        ({**good, "sms_sender": "KJA SCHOOL"}, "1 to 11 letters and digits"),
        ({**good, "paybill": "52"}, "5 to 7 digit"),
        ({**good, "ussd_code": "384"}, "should look like"),
        ({**good, "ussd_code": "*384*26#"}, "already belongs to another school"),  # Mwangaza's
        ({**good, "name": "  "}, "give the school"),
    ):
        refused = post(bursar, page_url, bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
    assert post(bursar, page_url, good, page_url).status_code == 303
    [row] = audits(staffed, "school.profile")
    assert row.before == {
        "name": "Kilimani Junior Academy",
        "paybill": "522533",
        "ussd_code": "*384*25#",
        "sms_sender_id": None,
    }
    assert row.after == {**{k: v for k, v in good.items() if k != "sms_sender"}, "sms_sender_id": "KILIMANI"}
    with staffed() as session:
        school = kilimani(session)
        assert (school.sms_sender_id, school.ussd_code, school.paybill) == ("KILIMANI", "*384*27#", "522522")

    secrets = {"passkey": "pk-very-secret", "consumer_key": "ck-abc123", "consumer_secret": "cs-xyz789"}
    missing = post(bursar, f"{page_url}/daraja", {"shortcode": "522522", **secrets, "passkey": ""}, page_url)
    assert missing.status_code == 422 and "Passkey" in missing.text
    bad_code = post(bursar, f"{page_url}/daraja", {"shortcode": "12", **secrets}, page_url)
    assert bad_code.status_code == 422 and "5 to 7 digit" in bad_code.text
    assert post(bursar, f"{page_url}/daraja", {"shortcode": "522522", **secrets}, page_url).status_code == 303
    shown = bursar.get(page_url).text
    assert "Passkey: set" in shown and "Consumer secret: set" in shown
    assert not any(value in shown for value in secrets.values())
    [mpesa] = audits(staffed, "school.mpesa")
    assert mpesa.before["passkey"] == "not set" and mpesa.after["passkey"] == "set"
    assert not any(value in str(mpesa.after) for value in secrets.values())
    with staffed() as session:
        school = kilimani(session)
        box = SecretBox(SecretStr("dashboard-test-secret"))  # the key dashboard_client's settings hold
        assert school.daraja_passkey_sealed != secrets["passkey"]
        assert box.open(school.daraja_passkey_sealed or "") == secrets["passkey"]

    assert "Save profile" not in clerk.get(page_url).text
    assert post(clerk, page_url, good, page_url).status_code == 403
    assert post(clerk, f"{page_url}/daraja", {"shortcode": "522522", **secrets}, page_url).status_code == 403


def test_every_settings_form_without_its_csrf_token_is_refused(
    head: TestClient, staffed: sessionmaker[Session]
) -> None:
    with staffed() as session:
        term_id = session.scalars(select(Term.id).where(Term.school_id == kilimani(session).id)).one()
        clerk_id = session.scalars(select(StaffMember.id).where(StaffMember.email == CLERK_A)).one()
    link = link_of(
        post(
            head,
            "/dashboard/settings/staff/invite",
            {"email": "n@kilimani.ac.ke", "role": "clerk"},
            "/dashboard/settings/staff",
        )
    )
    forms = {
        "/dashboard/settings/terms": {
            "code": "2031-1",
            "starts_on": "2031-01-05",
            "due_on": "2031-01-19",
            "ends_on": "2031-04-03",
        },
        f"/dashboard/settings/terms/{term_id}": {
            "starts_on": "2031-01-05",
            "due_on": "2031-01-19",
            "ends_on": "2031-04-03",
        },
        "/dashboard/settings/fee-rules": {"late_fee": "500"},
        "/dashboard/settings/staff/invite": {"email": "m@kilimani.ac.ke", "role": "clerk"},
        f"/dashboard/settings/staff/{clerk_id}/role": {"role": "bursar"},
        f"/dashboard/settings/staff/{clerk_id}/active": {"active": "off"},
        f"/dashboard/settings/staff/{clerk_id}/reset": {},
        "/dashboard/settings/profile": {"name": "Renamed"},
        "/dashboard/settings/profile/senders": {"twilio_sms_from": "+15005550077"},
        "/dashboard/settings/profile/daraja": {
            "shortcode": "522533",
            "passkey": "p",
            "consumer_key": "k",
            "consumer_secret": "s",
        },
        link: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    }
    before = audits_count(staffed)
    for url, data in forms.items():
        for sent in (data, {**data, "csrf_token": "forged"}):
            answer = head.post(url, data=sent)
            assert answer.status_code == 403 and "did not come from Karo" in answer.text, url
    assert audits_count(staffed) == before
    assert head.get(link).status_code == 200  # the invite is still unused


def audits_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count(AuditEntry.id))) or 0


def test_a_link_is_under_the_public_url_when_one_is_set(
    engine: Engine, staffed: sessionmaker[Session], clock: Clock
) -> None:
    settings = Settings(
        database_url="sqlite://", secret_key="dashboard-test-secret", public_url="https://karo.example"
    )
    app = create_app(bootstrap(settings, engine=engine))
    app.state.dashboard.clock, app.state.dashboard.passwords = clock, FAST
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert sign_in(client, HEAD_A).status_code == 303
        page_url = "/dashboard/settings/staff"
        invited = post(
            client, f"{page_url}/invite", {"email": "far@kilimani.ac.ke", "role": "clerk"}, page_url
        )
        assert re.search(r'id="link-url">https://karo\.example/dashboard/invite/[\w-]{43}<', invited.text)


def test_the_schools_own_twilio_numbers(
    bursar: TestClient, clerk: TestClient, staffed: sessionmaker[Session]
) -> None:
    page_url, form_url = "/dashboard/settings/profile", "/dashboard/settings/profile/senders"
    good = {"twilio_sms_from": "+1 500 555 0010", "twilio_whatsapp_from": "whatsapp:+254709000111"}
    with staffed.begin() as session:  # Mwangaza already sends from this WhatsApp number
        session.scalars(
            select(School).where(School.slug == "mwangaza")
        ).one().twilio_whatsapp_from = "+254709000999"
    for bad, says in (
        ({**good, "twilio_sms_from": "0709 000 111"}, "country code"),
        ({**good, "twilio_whatsapp_from": "+254709000999"}, "already belongs to another school"),
    ):
        refused = post(bursar, form_url, bad, page_url)
        assert refused.status_code == 422 and says in refused.text, bad
    assert post(bursar, form_url, good, page_url).status_code == 303
    assert 'value="+15005550010"' in bursar.get(page_url).text
    [row] = audits(staffed, "school.senders")
    assert row.before == {"twilio_sms_from": None, "twilio_whatsapp_from": None}
    assert row.after == {"twilio_sms_from": "+15005550010", "twilio_whatsapp_from": "+254709000111"}
    with staffed() as session:
        school = kilimani(session)
        assert (school.twilio_sms_from, school.twilio_whatsapp_from) == ("+15005550010", "+254709000111")
    assert "Save Twilio numbers" not in clerk.get(page_url).text
    assert "SMS number: +15005550010" in clerk.get(page_url).text
    assert post(clerk, form_url, {"twilio_sms_from": ""}, page_url).status_code == 403
