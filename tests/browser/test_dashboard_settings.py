"""The settings pages in chromium on a 360 px phone: the head teacher opens Settings, moves a term's dates,
sets a late fee, invites a clerk (who sets their password through the one-time link and signs in) and gives
the school its SMS sender ID; no page scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.records.tables import School, Term
from ledger.staff.members import Role, create_staff
from tests.browser.conftest import Stage, sandbox_app
from tests.browser.test_dashboard import PASSWORD, password_hash

HEAD = "head@kilimani.ac.ke"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def settings_dashboard(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    with transaction(families) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        create_staff(session, kilimani.id, HEAD, Role.HEAD, password_hash(), now=dt.datetime.now(dt.UTC))
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return base


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        f"{page.url} scrolls sideways"
    )


def test_the_head_changes_the_settings_on_a_phone(
    page: Page, browser: Browser, settings_dashboard: str, families: sessionmaker[Session]
) -> None:
    base = settings_dashboard
    page.set_viewport_size(PHONE)
    sign_in(page, base, HEAD, PASSWORD)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    fits(page)

    # Terms: the running term opens a day later.
    page.get_by_role("link", name="Terms").click()
    with families() as session:
        term = session.scalars(select(Term).join(School).where(School.slug == "kilimani")).one()
        code, opens = term.code, term.starts_on + dt.timedelta(days=1)
    card = page.locator(f"#term-{code}")
    expect(card).to_contain_text("invoiced")
    card.get_by_label("Opens").fill(opens.isoformat())
    card.get_by_role("button", name=f"Save term {code}").click()
    expect(page.locator("#saved")).to_have_text(f"Term {code} saved.")
    expect(page.locator(f"#term-{code}").get_by_label("Opens")).to_have_value(opens.isoformat())
    fits(page)

    # Fee rules: a late fee a week after the due date.
    page.goto(f"{base}/dashboard/settings/fee-rules")
    page.get_by_label("Late fee (KES").fill("500")
    page.get_by_label("Grace days").fill("7")
    page.get_by_role("button", name="Save fee rules").click()
    expect(page.locator("#saved")).to_have_text("Fee rules saved.")
    fits(page)

    # Staff: an invite, whose link the new clerk opens on their own phone.
    page.goto(f"{base}/dashboard/settings/staff")
    page.get_by_label("Email").fill("clerk@kilimani.ac.ke")
    page.locator("#invite").get_by_label("Role").select_option("clerk")
    page.get_by_role("button", name="Invite").click()
    link = page.locator("#link-url").inner_text()
    expect(page.locator("#members")).to_contain_text("waiting on a link")
    fits(page)
    other = browser.new_context(viewport=PHONE)
    try:
        clerk = other.new_page()
        clerk.goto(link)
        clerk.get_by_label("New password").fill("the clerk's own password")
        clerk.get_by_label("The same again").fill("the clerk's own password")
        clerk.get_by_role("button", name="Set password").click()
        expect(clerk.locator("#done")).to_contain_text("Your password is set")
        fits(clerk)
        sign_in(clerk, base, "clerk@kilimani.ac.ke", "the clerk's own password")
        clerk.goto(link)
        expect(clerk.get_by_role("heading", level=1)).to_have_text("Not found")  # the link worked once
    finally:
        other.close()

    # The profile: the school's own sender ID.
    page.goto(f"{base}/dashboard/settings/profile")
    page.get_by_label("SMS sender ID").fill("KILIMANI")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#saved")).to_have_text("Profile saved.")
    expect(page.locator("#daraja-state")).to_contain_text("Passkey: not set")
    fits(page)
