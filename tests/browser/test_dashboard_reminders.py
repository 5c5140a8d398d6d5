"""The reminders page in chromium: a bursar signs in, opens Reminders, presses Run now, reads how many were
queued, and finds a family's reminder in the message log; a payment plan is agreed on a student's page.

The dashboard's clock is set four days after the policy's "7 days before due" reminder day, at 10:00 in
Nairobi, so the page does not depend on today's date or on quiet hours.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.messaging.reminder_policy import NAIROBI
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in

# The term's fees fall due in 10 days: the policy's first reminder day is in 3, so "now" is the day after.
NOW = dt.datetime.combine(TODAY + dt.timedelta(days=4), dt.time(10), NAIROBI)


@pytest.fixture
def reminders_dashboard(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    """Kilimani's three families and a bursar, served with the dashboard's clock at NOW."""
    with transaction(families) as session:
        add_bursar(session)
    on_stage, base = stage
    on_stage.app = app = sandbox_app(engine)
    app.state.dashboard.clock = lambda: NOW.astimezone(dt.UTC)
    return base


def test_run_now_queues_the_reminders_and_they_are_in_the_message_log(
    page: Page, reminders_dashboard: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, reminders_dashboard)
    page.get_by_role("link", name="Reminders").click()
    expect(page.locator("#preview-count")).to_have_text("3 families to remind; 0 skipped.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the preview scrolls sideways"
    row = page.locator("#planned tbody tr").filter(has_text="Brian Kamau")
    expect(row).to_contain_text("Kilimani Junior Academy: Fee reminder.")
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#queued")).to_have_text("Queued 3 reminders. They go out from the message log.")
    expect(page.locator("#preview-count")).to_have_text("0 families to remind; 3 skipped.")
    expect(page.locator("#reminded")).to_have_text("3")
    expect(page.locator("#sent tbody tr")).to_have_count(3)
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)  # nothing left to queue
    page.get_by_role("link", name="Messages").click()
    reminder = page.locator("#message-log tbody tr").filter(has_text="Fee reminder")
    expect(reminder.filter(has_text="Brian Kamau")).to_have_count(1)
    expect(reminder).to_have_count(3)


def test_a_bursar_agrees_a_payment_plan_on_the_students_page(page: Page, reminders_dashboard: str) -> None:
    sign_in(page, reminders_dashboard)
    page.goto(f"{reminders_dashboard}/dashboard/students?q=brian")
    page.get_by_role("link", name="Brian Kamau").click()
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the plan form scrolls sideways"
    first = (NOW.date() + dt.timedelta(days=7)).isoformat()
    page.get_by_label("Instalment 1 date").fill(first)
    page.get_by_label("Amount (KES)").first.fill("10,000")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("status")).to_contain_text("Plan saved.")
    expect(page.locator("#plan-state")).to_contain_text(f"Next: KES 10,000.00 by {first}.")
    page.get_by_role("button", name="Cancel the plan").click()
    expect(page.locator("#plan-state")).to_have_text("No payment plan: reminders follow the school's policy.")
