"""A bursar's paperwork in chromium, on one server: a payment's receipt opened from the student's page,
printed (the Print button calls the browser's print; the printable page shows the number and the amount in
figures and words) and downloaded as PDF; the fees register downloaded from Exports as Excel, whose number
cells agree with the ledger; and the day's close read on a 360 px phone, printable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.balances import total_owed
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.money import kes
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from tests.browser.conftest import TODAY, Stage, sandbox_app
from tests.browser.test_dashboard import add_bursar, sign_in
from tests.browser.test_dashboard_register import PHONE_WIDTH, fits_the_phone

# Paid today besides Brian's Paybill KES 12,500 (the families' fixture): one of every other method and
# one that matches nobody.
TODAYS = (
    ("KJA-001", PaymentSource.MPESA_STK, "TKS1STK001", 3_000_00),
    ("KJA-003", PaymentSource.BANK, "FT2604", 5_000_00),
    ("KJA-001", PaymentSource.CASH, "CASH-77", 1_000_00),
    ("KJA-002", PaymentSource.CHEQUE, "CHQ-31", 2_000_00),
    (None, PaymentSource.MPESA_PAYBILL, "TKS9NOBODY", 700_00),
)
DAY_TOTAL = 12_500_00 + sum(amount for *_, amount in TODAYS)
# Print calls counted instead of opening the print dialog, which a headless browser cannot show.
COUNT_PRINTS = "() => { window.printed = 0; window.print = () => { window.printed += 1; }; }"


@pytest.fixture
def paperwork(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    with transaction(families) as session:
        add_bursar(session)
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        for adm, source, reference, amount in TODAYS:
            pupil = session.scalars(select(Student).where(Student.admission_no == adm)).one() if adm else None
            paid = Received(source, reference, amount, TODAY, adm or "NOBODY")
            record_payment(session, kilimani.id, paid, pupil, actor="test", notify=False)
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return base


def press_print(page: Page) -> int:
    page.evaluate(COUNT_PRINTS)
    page.locator("#print").click()
    return int(page.evaluate("window.printed"))


def test_a_receipt_is_printed_and_downloaded_as_pdf(page: Page, paperwork: str) -> None:
    sign_in(page, paperwork)
    page.goto(f"{paperwork}/dashboard/students?q=Brian")
    page.get_by_role("link", name="Brian Kamau").first.click()
    page.locator("#receipts a").filter(has_text="-000001").click()
    expect(page.locator("#receipt-number")).to_have_text("KIL-" + str(TODAY.year) + "-000001")
    expect(page.locator("#receipt-amount")).to_have_text("KES 12,500.00")
    expect(page.locator("#receipt")).to_contain_text("Kenya shillings twelve thousand, five hundred only")
    assert press_print(page) == 1
    page.emulate_media(media="print")  # as printed: the receipt, without the links and the button
    expect(page.locator("#print")).to_be_hidden()
    expect(page.locator("#receipt-number")).to_be_visible()
    page.emulate_media(media="screen")
    pdf = page.request.get(paperwork + str(page.locator("#receipt-pdf").get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def test_the_fees_register_downloads_as_excel_that_agrees_with_the_ledger(
    page: Page, paperwork: str, families: sessionmaker[Session], tmp_path: Path
) -> None:
    sign_in(page, paperwork)
    page.get_by_role("link", name="Exports").click()
    form = page.locator("#report-form")
    form.get_by_label("Report").select_option("fees-register")
    form.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as download:
        form.get_by_role("button", name="Download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("kilimani-fees-register-")
    sheet = load_workbook(saved).active
    header = [cell.value for cell in sheet[2]]
    *students, totals = list(sheet.iter_rows(min_row=3))
    balance, paid = header.index("Balance"), header.index("Paid")
    with families() as session:
        owed = {
            s.admission_no: total_owed(session, s.id)
            for s in session.scalars(select(Student).join(School).where(School.slug == "kilimani"))
        }
    assert {row[0].value: row[balance].value * 100 for row in students} == owed
    assert all(row[balance].data_type == "n" and row[paid].data_type == "n" for row in [*students, totals])
    assert totals[0].value == "Total" and totals[balance].value * 100 == sum(owed.values())
    # Paid: every receipt of the day but the one still in suspense.
    assert Decimal(totals[paid].value) * 100 == DAY_TOTAL - 700_00


def test_the_days_close_reads_on_a_phone_and_prints(page: Page, paperwork: str) -> None:
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    sign_in(page, paperwork)
    page.goto(f"{paperwork}/dashboard/close?day={TODAY}")
    expect(page.locator("#close-total")).to_have_text(kes(DAY_TOTAL, always_cents=True))
    span = f"KIL-{TODAY.year}-000001 to KIL-{TODAY.year}-000006: 6 issued."
    expect(page.locator("#receipt-span")).to_have_text(span)
    expect(page.locator("#suspense-today")).to_have_text("KES 700.00")
    fits_the_phone(page)
    assert press_print(page) == 1
    page.emulate_media(media="print")
    expect(page.locator("#close-sms")).to_be_hidden()
    expect(page.locator("#receipt-list")).to_be_visible()
    page.emulate_media(media="screen")
    page.locator("#previous-day").click()
    expect(page.locator("#receipt-span")).to_have_text("No receipts this day.")
    expect(page).to_have_url(f"{paperwork}/dashboard/close?day={TODAY - dt.timedelta(days=1)}")
