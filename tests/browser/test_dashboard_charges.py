"""Optional items and one-off charges on a student's page in chromium, on a 360 px phone: the bursar starts
the bus for a child (the pro-rata charge shown, then confirmed) and charges an admission fee; both appear
on the statement."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.records.tables import FeeItem, School, SchoolClass, Term
from tests import builders as b
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def charges_dashboard(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    """Kilimani's families and a bursar; Grade 6 may take the bus, KES 8,100 a term (81 days)."""
    with transaction(families) as session:
        add_bursar(session)
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        term = session.scalars(select(Term).where(Term.school_id == school.id)).one()
        grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
        bus = b.vote_head(session, school, "Transport", 20)
        item = FeeItem(
            school_id=school.id, term_id=term.id, class_id=grade.id, vote_head_id=bus.id, amount=8_100_00
        )
        item.optional = True
        session.add(item)
    on_stage, base = stage
    on_stage.app = app = sandbox_app(engine)
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Africa/Nairobi"))
    app.state.dashboard.clock = lambda: noon
    return base


def test_a_bursar_starts_the_bus_and_charges_an_admission_fee_from_a_phone(
    page: Page, charges_dashboard: str
) -> None:
    sign_in(page, charges_dashboard)
    page.set_viewport_size(PHONE)
    page.goto(f"{charges_dashboard}/dashboard/students?q=brian")
    page.get_by_role("link", name="Brian Kamau").click()
    expect(page.locator("#optional-items")).to_contain_text("not taken")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, (
        "the charges section scrolls sideways"
    )
    page.get_by_role("button", name="Start Transport").click()
    expect(page.locator("#optional-said")).to_have_text(
        f"Transport from {TODAY}: charge KES 6,100.00 (61 of 81 days)"
    )
    page.get_by_role("button", name="Confirm: start Transport").click()
    expect(page.locator("#charged")).to_be_visible()
    expect(page.locator("#optional-items")).to_contain_text("taken since")
    expect(page.locator("#statement")).to_contain_text("Transport from")
    charge = page.locator("#charge-form")
    charge.get_by_label("Vote head").select_option(label="Tuition")
    charge.get_by_label("Amount (KES)").fill("1,000")
    charge.get_by_label("For").fill("Admission fee")
    charge.get_by_role("button", name="Charge").click()
    expect(page.locator("#statement")).to_contain_text("Admission fee")
    expect(page.get_by_role("button", name="Stop Transport")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    assert page.locator("#charges").evaluate("e => e.scrollWidth <= e.clientWidth"), "the section is cut off"
