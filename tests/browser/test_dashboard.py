"""The bursar's dashboard in chromium: sign in, search, record a payment and find its receipt in the
message log, allocate a suspense payment; the overview's screenshot is saved to docs/overview.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.passwords import Passwords
from ledger.db import transaction
from ledger.journal_tables import PaymentSource
from ledger.payments import Received, record_payment
from ledger.records import School, Student
from ledger.staff import Role, create_staff
from tests.browser.conftest import TODAY, sandbox_app, serving

BURSAR = "bursar@kilimani.ac.ke"
PASSWORD = "correct horse battery"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "overview.png"


@pytest.fixture
def dashboard(engine: Engine, families: sessionmaker[Session]) -> Iterator[str]:
    """The three families' schools, a Kilimani bursar, a week of payments and one in suspense; served."""
    with transaction(families) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        create_staff(
            session, kilimani.id, BURSAR, Role.BURSAR, Passwords().hash(PASSWORD), now=dt.datetime.now(dt.UTC)
        )
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        for days_ago, amount in ((6, 4_000_00), (4, 9_500_00), (3, 2_000_00), (1, 6_000_00)):
            on = TODAY - dt.timedelta(days=days_ago)
            paid = Received(PaymentSource.MPESA_PAYBILL, f"TKB{days_ago}X1", amount, on, "KJA-001")
            record_payment(session, kilimani.id, paid, achieng, actor="test")
        lost = Received(PaymentSource.MPESA_PAYBILL, "TKS9SUSP1", 1_500_00, TODAY, "KJA 03", "JOHN K***")
        record_payment(session, kilimani.id, lost, None, actor="test")
    with serving(sandbox_app(engine)) as base:
        yield base


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/dashboard")
    expect(page).to_have_url(f"{base}/dashboard/login?next=/dashboard")
    page.get_by_label("Email").fill(BURSAR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Term")


def test_a_bursar_signs_in_and_sees_the_overview(page: Page, dashboard: str) -> None:
    page.set_viewport_size({"width": 1100, "height": 800})
    sign_in(page, dashboard)
    expect(page.locator("#invoiced")).to_have_text("KES 105,000.00")
    expect(page.locator("#collected")).to_have_text("KES 34,000.00")
    expect(page.locator("svg")).to_have_count(2)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_search_record_a_payment_and_find_its_receipt_in_the_log(page: Page, dashboard: str) -> None:
    sign_in(page, dashboard)
    page.get_by_role("link", name="Students").click()
    page.get_by_label("Search").fill("brian")  # HTMX swaps the table in as the bursar types
    expect(page.locator("#found")).to_have_text("1 student")
    page.get_by_role("link", name="Brian Kamau").click()
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Amount (KES)").fill("2,500")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#paid")).to_contain_text("Recorded KES 2,500.00")
    expect(page.locator("#balance")).to_contain_text("Owes KES 20,000.00")
    page.get_by_role("link", name="Messages").click()
    receipt = page.locator("#message-log tbody tr").filter(has_text="Received KES 2,500 for Brian Kamau")
    expect(receipt).to_have_count(1)


def test_a_name_with_markup_is_shown_as_text(page: Page, dashboard: str) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard}/dashboard/students?q=ivy")
    expect(page.get_by_role("link", name="Ivy <i>Wa</i>")).to_be_visible()
    expect(page.locator("#results i")).to_have_count(0)


def test_a_suspense_payment_is_allocated(page: Page, dashboard: str) -> None:
    sign_in(page, dashboard)
    page.get_by_role("link", name="Suspense").click()
    row = page.locator("#unmatched tbody tr").filter(has_text="TKS9SUSP1")
    row.get_by_placeholder("Admission no.").fill("KJA-003")
    row.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("status")).to_contain_text("Payment TKS9SUSP1 allocated")
    expect(page.get_by_text("Nothing in suspense.")).to_be_visible()
