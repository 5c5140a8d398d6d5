"""The announcements page in chromium on a 360 px phone: a bursar writes to every family in both languages,
the HTMX preview shows the families, the SMS parts, the cost and the UCS-2 warning without sideways
scrolling, Send queues one message per family, and the past announcement shows its delivery per family."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import NAIROBI
from ledger.db import transaction
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in

NOW = dt.datetime.combine(TODAY, dt.time(10), NAIROBI)  # outside quiet hours


@pytest.fixture
def announcing(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    with transaction(families) as session:
        add_bursar(session)
    on_stage, base = stage
    on_stage.app = app = sandbox_app(engine)
    app.state.dashboard.clock = lambda: NOW.astimezone(dt.UTC)
    return base


def test_write_preview_send_and_see_delivery_on_a_phone(page: Page, announcing: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, announcing)
    page.get_by_role("link", name="Announcements").click()
    page.get_by_label("Message in English").fill("Sports day on Friday: school closes at noon.")
    page.get_by_label("Message in Kiswahili").fill(
        "Siku ya michezo Ijumaa: shule itafungwa saa sita. Mũthoni"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#families")).to_have_text("3")
    expect(page.locator("#ucs2")).to_contain_text("Kiswahili")
    expect(page.locator("#cost")).to_have_text("KES 2.40")  # three English families, one part each
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the preview scrolls sideways"
    page.get_by_role("button", name="Send to 3 families").click()
    expect(page.locator("#queued")).to_have_text("Queued 3 messages. They go out after quiet hours.")
    expect(page.locator("#delivery tbody tr")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the delivery table scrolls sideways"
    page.get_by_role("link", name="All announcements").click()
    expect(page.locator("#past tbody tr")).to_have_count(1)
