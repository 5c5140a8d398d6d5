"""The year-end rollover wizard in chromium on a 360 px phone: the head opens it from the Fees page, sends a
class to a new class, adds 5% to the fees, previews, applies, and undoes it; nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.records.tables import School, SchoolClass, Student, Term
from ledger.staff.members import Role, create_staff
from tests import builders as b
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import PASSWORD, password_hash
from tests.browser.test_dashboard_leavers import fits

HEAD = "head@kilimani.ac.ke"


@pytest.fixture
def holidays(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    """Kilimani with a head, its term over (the holidays), Grade 6 (three pupils) and Grade 9 (one)."""
    with transaction(families) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        create_staff(session, kilimani.id, HEAD, Role.HEAD, password_hash(), now=dt.datetime.now(dt.UTC))
        term = session.scalars(select(Term).where(Term.school_id == kilimani.id)).one()
        term.starts_on, term.due_on = TODAY - dt.timedelta(days=100), TODAY - dt.timedelta(days=86)
        term.ends_on = TODAY - dt.timedelta(days=2)
        b.student(session, b.school_class(session, kilimani, "Grade 9"), "KJA-009", "Wanjiru Finishes")
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return base


def classes(families: sessionmaker[Session]) -> dict[str, str]:
    with families() as session:
        pupils = session.scalars(select(Student).where(Student.admission_no.startswith("KJA")))
        return {p.admission_no: session.get(SchoolClass, p.class_id).name for p in pupils}


def test_the_head_previews_applies_and_undoes_the_rollover_on_a_phone(
    page: Page, holidays: str, families: sessionmaker[Session]
) -> None:
    before = classes(families)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{holidays}/dashboard/login")
    page.get_by_label("Email").fill(HEAD)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{holidays}/dashboard/fees")
    page.locator("#rollover-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Year-end rollover")
    grade_six = page.get_by_label("Grade 6 (3 students) moves to")
    expect(grade_six.locator("option:checked")).to_have_text("Grade 7 (usual)")
    expect(page.get_by_label("Grade 9 (1 student) moves to").locator("option:checked")).to_have_text(
        "Graduates (leave) (usual)"
    )
    fits(page, "the rollover wizard")

    page.get_by_label("or a new class for Grade 6").fill("Grade 7 Blue")
    page.get_by_label(f"Fee increase for {TODAY.year + 1} (%)").fill("5")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.locator("#class-moves")).to_contain_text("Grade 6 → Grade 7 Blue new: 3")
    expect(preview.locator("#graduates")).to_contain_text("1 graduate recorded as leaving")
    expect(preview.locator("#fees")).to_contain_text("KES 36,750.00")  # KES 35,000 and 5%
    expect(preview.locator("#terms li")).to_have_count(3)
    fits(page, "the rollover preview")

    page.get_by_role("button", name=f"Apply the rollover to {TODAY.year + 1}").click()
    expect(page.locator("#done")).to_contain_text("Rolled over.")
    expect(page.locator("#standing")).to_contain_text("3 students moved up, 1 graduated")
    fits(page, "the applied rollover")
    moved = classes(families)
    assert {adm for adm, name in moved.items() if name == "Grade 7 Blue"} == {
        adm for adm, name in before.items() if name == "Grade 6"
    }

    page.get_by_role("button", name=f"Undo the rollover to {TODAY.year + 1}").click()
    expect(page.locator("#done")).to_contain_text("Undone")
    expect(page.locator("#standing")).to_have_count(0)
    assert classes(families) == before
