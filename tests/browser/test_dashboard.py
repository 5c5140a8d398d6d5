"""The bursar's dashboard in chromium: sign in, search, record a payment and find its receipt in the
message log, allocate a suspense payment, invoice a class, read a bad CSV's row errors, export the
defaulters. One server per module, fresh data per test. The overview's screenshot (docs/overview.png) is
taken only when KARO_SCREENSHOTS names a folder: ``scripts/screenshots`` does that, a test run never does."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.passwords import Passwords
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from ledger.staff.members import Role, create_staff
from tests import builders as b
from tests.browser.conftest import TODAY, Stage, sandbox_app

BURSAR = "bursar@kilimani.ac.ke"
PASSWORD = "correct horse battery"
SCREENSHOTS = "KARO_SCREENSHOTS"  # a folder to save the README's pictures in (scripts/screenshots sets it)


@functools.cache
def password_hash() -> str:
    """The bursar's password, hashed once: argon2 at its real cost takes a second on a busy machine."""
    return Passwords().hash(PASSWORD)


def add_bursar(session: Session) -> None:
    kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
    create_staff(session, kilimani.id, BURSAR, Role.BURSAR, password_hash(), now=dt.datetime.now(dt.UTC))


@pytest.fixture
def dashboard(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    """The three families' schools, a Kilimani bursar, a week of payments and one in suspense; served."""
    with transaction(families) as session:
        add_bursar(session)
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        for days_ago, amount in ((6, 4_000_00), (4, 9_500_00), (3, 2_000_00), (1, 6_000_00)):
            on = TODAY - dt.timedelta(days=days_ago)
            paid = Received(PaymentSource.MPESA_PAYBILL, f"TKB{days_ago}X1", amount, on, "KJA-001")
            record_payment(session, kilimani.id, paid, achieng, actor="test")
        lost = Received(PaymentSource.MPESA_PAYBILL, "TKS9SUSP1", 1_500_00, TODAY, "KJA 03", "JOHN K***")
        record_payment(session, kilimani.id, lost, None, actor="test")
    on_stage, base = stage
    on_stage.app = app = sandbox_app(engine)
    # The dashboard's "today" is Nairobi's: pinned to noon of the day the payments were made, so the
    # overview (and its screenshot) reads the same whatever the hour the tests run.
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Africa/Nairobi"))
    app.state.dashboard.clock = lambda: noon
    return base


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
    if folder := os.environ.get(SCREENSHOTS):
        page.screenshot(path=str(Path(folder) / "overview.png"), full_page=True)


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


def test_invoice_a_class_after_its_preview(
    page: Page, dashboard: str, families: sessionmaker[Session]
) -> None:
    with transaction(families) as session:
        grade = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one().school_class
        b.student(session, grade, "KJA-009", "Neema Late")
    sign_in(page, dashboard)
    page.get_by_role("link", name="Fees").click()
    page.get_by_role("link", name="Invoice 1").click()
    expect(page.locator("#preview-total")).to_have_text("1 to invoice: KES 35,000.00")
    page.get_by_role("button", name="Invoice 1 student").click()
    expect(page.get_by_role("status")).to_contain_text("Invoiced.")
    expect(page.locator("#preview-total")).to_have_text("0 to invoice: KES 0.00")


def test_a_bad_csv_is_refused_with_its_row_errors(page: Page, dashboard: str, tmp_path: Path) -> None:
    bad = tmp_path / "students.csv"
    bad.write_text(
        "admission_no,name,class,guardian_name,guardian_phone\n"
        "KJA-010,Good Row,Grade 6,A Parent,0711 000 111\n"
        "KJA-011,,Grade 6,B Parent,0711 000 222\n",
        encoding="utf-8",
    )
    sign_in(page, dashboard)
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("What the file holds").select_option("students")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#refused h2")).to_have_text("Nothing was imported from students.csv")
    expect(page.locator("#row-errors tbody tr")).to_have_count(1)
    expect(page.locator("#row-errors tbody tr").first).to_contain_text("3")
    page.goto(f"{dashboard}/dashboard/students?q=Good+Row")
    expect(page.locator("#found")).to_have_text("0 students")  # not even the good row


def test_export_the_defaulters_list(page: Page, dashboard: str) -> None:
    sign_in(page, dashboard)
    page.get_by_role("link", name="Exports").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download defaulters (CSV)").click()
    saved = Path(download.value.path())
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("admission_no,name,class,owed")
    assert any(line.startswith("KJA-002,Brian Kamau,Grade 6,22500.00") for line in lines)
    assert not any("Baraka" in line for line in lines)  # Mwangaza's child


PAGES = ("", "/students", "/suspense", "/messages", "/reminders", "/fees", "/imports", "/exports")


def test_pages_fit_a_phone_screen(page: Page, dashboard: str, families: sessionmaker[Session]) -> None:
    with families() as session:
        brian = session.scalars(select(Student.id).where(Student.admission_no == "KJA-002")).one()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, dashboard)
    for path in (*PAGES, f"/students/{brian}", f"/students/{brian}/payment", f"/students/{brian}/statement"):
        path = f"/dashboard{path}"
        page.goto(f"{dashboard}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a phone ({width}px)"
