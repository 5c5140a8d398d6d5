"""Leaving and credit on a student's page in chromium, on a 360 px phone: a bursar marks a pupil as left
(the banner says what that means), re-admits them, and pays back a credit; no form scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in


@pytest.fixture
def student_page(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    """Kilimani with a bursar; Brian Kamau (KJA-002), who owed KES 22,500, paid KES 2,000 more."""
    with transaction(families) as session:
        add_bursar(session)
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        brian = session.scalars(select(Student).where(Student.admission_no == "KJA-002")).one()
        paid = Received(PaymentSource.CASH, "CASH-OVER", 24_500_00, TODAY, "KJA-002")
        record_payment(session, kilimani.id, paid, brian, actor="test", notify=False)
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return base


def fits(page: Page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{what} scrolls sideways"


def test_a_bursar_marks_a_leaver_re_admits_them_and_pays_back_a_credit(page: Page, student_page: str) -> None:
    sign_in(page, student_page)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{student_page}/dashboard/students?q=brian")
    page.get_by_role("link", name="Brian Kamau").click()
    page.get_by_text("Mark as left").first.click()  # opens the form
    fits(page, "the leaving form")
    page.get_by_label("Left on").fill(TODAY.isoformat())
    page.get_by_label("Reason").select_option("transferred")
    page.get_by_role("button", name="Mark as left").click()
    banner = page.locator("#leaver-banner")
    expect(banner).to_contain_text(f"Left the school on {TODAY.isoformat()} (transferred).")
    expect(banner).to_contain_text("gets no reminders")
    fits(page, "the leaver's banner")
    page.get_by_role("button", name="Re-admit").click()
    expect(page.locator("#readmitted")).to_contain_text("Re-admitted")
    expect(page.locator("#leaver-banner")).to_have_count(0)

    expect(page.locator("#credit-left")).to_contain_text("In credit KES 2,000.00")
    page.get_by_text("Pay the credit back").click()
    fits(page, "the refund form")
    page.get_by_label("Amount (KES, at most KES 2,000.00)").fill("2,500")
    page.get_by_label("Paid by").select_option("mpesa")
    page.get_by_label("Reference").fill("QKX12AB34C")
    page.get_by_role("button", name="Record the refund").click()
    expect(page.locator("#credit-error")).to_contain_text("is more than KJA-002's credit (KES 2,000.00)")
    page.get_by_label("Amount (KES, at most KES 2,000.00)").fill("2,000")
    page.get_by_role("button", name="Record the refund").click()
    expect(page.get_by_role("status").filter(has_text="Refund recorded.")).to_have_count(1)
    expect(page.locator("#credit-left")).to_have_text("No credit left.")
    expect(page.locator("#statement")).to_contain_text("Credit refunded by M-Pesa, ref QKX12AB34C")
