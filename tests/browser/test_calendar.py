"""The calendar and the reminders page (with its holiday settings) on a 360 px phone, in chromium: each
fits the screen without scrolling sideways, and the calendar names the term's days and the holiday after
it."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.records.tables import School, Term
from tests.browser.test_dashboard import dashboard, sign_in  # noqa: F401  (a fixture, and signing in)

PHONE = {"width": 360, "height": 740}


def test_the_calendar_and_the_holiday_policy_fit_a_phone(
    page: Page,
    dashboard: str,  # noqa: F811
    families: sessionmaker[Session],
) -> None:
    with families() as session:
        term = session.scalars(select(Term).join(School).where(School.slug == "kilimani")).one()
    page.set_viewport_size(PHONE)
    sign_in(page, dashboard)
    page.get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendar")
    page.goto(f"{dashboard}/dashboard/calendar?year={term.starts_on.year}")
    expect(page.get_by_text(f"Term {term.code} opens")).to_be_visible()
    expect(page.get_by_text(f"Term {term.code} fees due")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the calendar scrolls sideways"
    page.goto(f"{dashboard}/dashboard/calendar?year={term.ends_on.year}")
    expect(page.get_by_text("Holiday until").first).to_be_visible()
    page.goto(f"{dashboard}/dashboard/reminders")
    expect(page.get_by_label("Most reminders a holiday (0-20)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the reminders page scrolls sideways"
