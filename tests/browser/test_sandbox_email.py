"""The sandbox's email pane in chromium: a guardian who prefers email gets the receipt there, through the
local SMTP sink `karo demo` runs, with its PDF attached; a phone whose guardians have no address sees none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.records.tables import Channel, Guardian
from tests.browser.conftest import MARKUP, PART_PAID, SimulatedKaro, simulated_karo


@pytest.fixture
def karo(engine: Engine, families: sessionmaker[Session]) -> Iterator[SimulatedKaro]:
    with transaction(families) as session:  # before Karo starts sending: the seeded receipt goes by email
        guardian = session.scalars(select(Guardian).where(Guardian.phone == PART_PAID.phone)).one()
        guardian.email, guardian.preferred_channel = "wanjiru.kamau@example.com", Channel.EMAIL
    with simulated_karo(engine) as karo:
        yield karo


def test_a_guardian_preferring_email_finds_the_receipt_and_its_pdf_in_the_email_pane(
    page: Page, karo: SimulatedKaro
) -> None:
    page.goto(f"{karo.url}/sandbox")
    page.select_option("#phone", PART_PAID.phone)
    mail = page.locator("#mail-log li.karo")
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text("Kilimani Junior Academy: Payment receipt")
    expect(mail).to_contain_text("Received KES 12,500 for Brian Kamau")
    expect(mail).to_contain_text("[attached: receipt-")
    expect(mail.locator(".meta")).to_contain_text("to wanjiru.kamau@example.com")
    expect(page.locator("#sms-log li.karo")).to_have_count(0)  # not by SMS as well
    page.select_option("#phone", MARKUP.phone)
    expect(page.locator("#mail-log li.empty")).to_contain_text("No email for this phone's guardians")
