"""The sandbox's WhatsApp chat and SMS inbox in chromium: messages go to Karo through the simulators, and
what Karo sends back (through the outbox, to the simulators) appears in the panes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Locator, Page, expect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import MARKUP, PART_PAID, TWO_SCHOOLS, SimulatedKaro, sandbox_app, simulated_karo
from tests.browser.test_sandbox import balance_shown

SEND = {"wa": "Send on WhatsApp", "sms": "Send SMS"}


@pytest.fixture
def karo(engine: Engine, families: sessionmaker[Session]) -> Iterator[SimulatedKaro]:
    with simulated_karo(engine) as karo:
        yield karo


def send(page: Page, pane: str, text: str) -> None:
    page.fill(f"#{pane}-text", text)
    page.get_by_role("button", name=SEND[pane], exact=True).click()
    expect(page.locator(f"#{pane}-text")).to_have_value("")  # Karo took the webhook


def from_karo(page: Page, pane: str) -> Locator:
    return page.locator(f"#{pane}-log li.karo")


def test_whatsapp_hi_then_tapping_the_list_item_shows_the_balance(
    page: Page, karo: SimulatedKaro, families
) -> None:
    """The menu arrives as a WhatsApp list (a Content template the simulator rendered); tapping Balance
    sends its id back as Twilio's ListId, and the balance arrives with its Pay button."""
    page.goto(f"{karo.url}/sandbox")
    page.select_option("#phone", PART_PAID.phone)
    expect(page.locator(".whatsapp [data-who]")).to_contain_text("0722000002")
    send(page, "wa", "hi")
    menu = from_karo(page, "wa").last
    expect(menu.locator(".menu.list")).to_be_visible()
    expect(page.locator("#wa-log li.parent")).to_have_count(1)
    menu.get_by_role("button", name="Balance").click()
    expect(page.locator("#wa-log li.parent").last).to_contain_text("Balance")  # the tapped title, as sent
    owed = balance_shown(families, PART_PAID.children[0])
    balance = from_karo(page, "wa").last
    expect(balance).to_contain_text(owed)
    expect(balance.locator(".menu.buttons .choice").first).to_contain_text("Pay")
    expect(balance.locator(".meta")).to_contain_text("Karo")
    expect(from_karo(page, "wa")).to_have_count(2)  # the menu and the balance, each once


def test_sms_bal_puts_the_balance_in_the_inbox_with_its_delivery(
    page: Page, karo: SimulatedKaro, families
) -> None:
    page.goto(f"{karo.url}/sandbox")
    page.select_option("#phone", PART_PAID.phone)
    receipt = from_karo(page, "sms").first  # for the payment made before: the outbox sent it at once
    expect(receipt).to_contain_text("12,500")
    send(page, "sms", "BAL")
    messages = page.locator("#sms-log li")
    expect(messages).to_have_count(3)  # newest last
    expect(messages.nth(1)).to_have_class("parent")
    expect(messages.nth(1)).to_contain_text("BAL")
    expect(messages.last).to_contain_text(balance_shown(families, PART_PAID.children[0]))
    expect(messages.last.locator(".meta")).to_contain_text("Success")  # AT's delivery report


def test_whatsapp_receipt_shows_the_pdf_as_a_link_that_opens_it(
    page: Page, karo: SimulatedKaro, families
) -> None:
    page.goto(f"{karo.url}/sandbox")
    page.select_option("#phone", PART_PAID.phone)
    send(page, "wa", "RECEIPT")
    replies = from_karo(page, "wa")
    expect(replies.nth(-2)).to_contain_text("Latest receipts:")
    link = replies.last.locator("a.document")  # the PDF on its own, after the text
    expect(link).to_have_text("Receipt (PDF)")
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{karo.url}/receipts/")
    document = httpx.get(href)
    assert document.status_code == 200 and document.content.startswith(b"%PDF")


def test_each_number_has_its_own_conversation(page: Page, karo: SimulatedKaro, families) -> None:
    karo.simulators.send_sms(TWO_SCHOOLS.phone, "BAL")
    page.goto(f"{karo.url}/sandbox")
    expect(from_karo(page, "sms")).to_contain_text("Baraka Otieno")  # the first phone is shown at once
    page.select_option("#phone", MARKUP.phone)
    expect(page.locator("#sms-log li.empty")).to_contain_text("No messages yet")
    expect(page.locator("#wa-log li.empty")).to_contain_text("Send hi to start")
    page.fill("#other", "0712 000 001")
    expect(from_karo(page, "sms")).to_contain_text("Achieng Otieno")


def test_replies_are_shown_as_text_not_markup(page: Page, karo: SimulatedKaro, families) -> None:
    page.goto(f"{karo.url}/sandbox")
    page.select_option("#phone", MARKUP.phone)
    send(page, "wa", "<b>BAL</b>")
    send(page, "sms", "BAL")
    expect(from_karo(page, "sms")).to_contain_text("Ivy <i>Wa</i>")
    expect(page.locator("#wa-log li.parent")).to_contain_text("<b>BAL</b>")
    assert page.locator(".log b, .log i").count() == 0


def test_the_phone_sized_page_stacks_the_panes(page: Page, karo: SimulatedKaro, families) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{karo.url}/sandbox")
    boxes = [page.locator(selector).bounding_box() for selector in (".phone", ".whatsapp", ".sms")]
    assert all(box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 for box in boxes)
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_without_the_simulators_the_panes_say_so(engine: Engine, families) -> None:
    with TestClient(sandbox_app(engine)) as client:
        page = client.get("/sandbox")
        sent = client.post("/sandbox/whatsapp", json={"phone": PART_PAID.phone, "text": "hi"})
    assert 'data-simulated=""' in page.text and "needs the Twilio simulator" in page.text
    assert sent.status_code == 503


def test_a_number_that_is_not_a_phone_is_refused(karo: SimulatedKaro) -> None:
    answer = httpx.post(f"{karo.url}/sandbox/sms", json={"phone": "12", "text": "BAL"})
    assert answer.status_code == 422 and "not a valid phone number" in answer.text
    assert karo.simulators.sms_chat("+254712000001") == []
