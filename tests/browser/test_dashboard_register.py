"""The register on a 360 px phone in chromium: the bursar adds a student from the students list (and
invoices them at once), then changes the guardian's phone on the student's page, a bad number refused
beside the field first; the old phone then dials the school and is not recognised, the new one is."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from tests.browser.conftest import TOKEN, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in

PHONE_WIDTH = 360


@pytest.fixture
def register_dashboard(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    with transaction(families) as session:
        add_bursar(session)
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return base


def dial(page: Page, base: str, phone: str, session_id: str) -> str:
    """One USSD hop from ``phone`` to Kilimani's own code, as Africa's Talking sends it."""
    answer = page.request.post(
        f"{base}/at/ussd/{TOKEN}",
        form={"sessionId": session_id, "serviceCode": "*384*25#", "phoneNumber": phone, "text": ""},
    )
    assert answer.ok
    return answer.text()


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, "the page scrolls sideways"


def test_a_student_is_added_and_their_guardians_phone_changed_on_a_phone(
    page: Page, register_dashboard: str
) -> None:
    base = register_dashboard
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    sign_in(page, base)
    page.get_by_role("link", name="Students").click()
    page.get_by_role("link", name="Add a student").click()
    fits_the_phone(page)
    form = page.locator("#new-student form")
    form.locator("[name=admission_no]").fill("KJA/2026/050")
    form.locator("[name=name]").fill("Neema Wanjiru")
    form.locator("[name=class]").fill("Grade 6")
    form.locator("[name=guardian_name]").fill("Jane Wanjiru")
    form.locator("[name=guardian_phone]").fill("0744 555 666")
    form.get_by_label("Invoice for term").check()
    form.get_by_role("button", name="Add student").click()
    expect(page.locator("#register-done")).to_contain_text("invoiced for the current term")
    expect(page.locator("#balance")).to_contain_text("Owes KES 35,000.00")
    expect(page.locator("#guardian-list")).to_contain_text("+254744555666")
    fits_the_phone(page)
    assert "Neema" in dial(page, base, "+254744555666", "before")

    guardian = page.locator("#guardian-list li").filter(has_text="Jane Wanjiru")
    guardian.get_by_text("Change phone").first.click()
    guardian.get_by_label("New phone").fill("0744")
    guardian.get_by_role("button", name="Change phone").click()
    refused = page.locator("#guardian-list li").filter(has_text="Jane Wanjiru")
    expect(refused.get_by_role("alert")).to_contain_text("not a valid phone number")
    fits_the_phone(page)
    refused.get_by_label("New phone").fill("0755 777 888")
    refused.get_by_role("button", name="Change phone").click()
    expect(page.locator("#register-done")).to_contain_text("Phone changed")
    expect(page.locator("#guardian-list")).to_contain_text("+254755777888")
    expect(page.locator("#guardian-list")).not_to_contain_text("+254744555666")
    assert "not registered" in dial(page, base, "+254744555666", "after-old")
    assert "Neema" in dial(page, base, "+254755777888", "after-new")
