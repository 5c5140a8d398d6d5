"""The sandbox phone's M-Pesa PIN prompt in chromium: paying on USSD opens a prompt in the Daraja simulator,
the phone shows it, and the person's answer (PIN and OK, Cancel, a wrong PIN, or nothing) comes back to
Karo as Safaricom's callback, whose receipt or failure notice arrives in the SMS inbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Locator, Page, Request, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.money import kes
from ledger.records.tables import School
from tests.browser.conftest import PART_PAID, TOKEN, SimulatedKaro, sandbox_app, simulated_karo
from tests.browser.test_sandbox import balance_shown, choose, dial
from tests.integration.providers.conftest import wait_for

PROMPT = "Pay KES 22,500 to Kilimani Junior Academy account KJA002? Enter M-Pesa PIN"


@pytest.fixture
def karo(engine: Engine, families: sessionmaker[Session]) -> Iterator[SimulatedKaro]:
    with simulated_karo(engine) as karo:
        yield karo


def pay_full_balance(page: Page, url: str, shown: str = PROMPT) -> Locator:
    """Dial as the part-paid family, pay the whole balance, confirm; return the PIN prompt once shown."""
    page.goto(f"{url}/sandbox")
    dial(page, PART_PAID)
    choose(page, "Pay")
    choose(page, "Full balance")
    choose(page, "Confirm")
    expect(page.locator("#status")).to_have_text("Session ended")
    prompt = page.get_by_role("dialog", name="M-Pesa PIN prompt")
    expect(prompt).to_be_visible()
    expect(prompt.locator("#mpesa-text")).to_have_text(shown)
    return prompt


def last_sms(page: Page) -> Locator:
    return page.locator("#sms-log li.karo").last


def test_a_pin_and_ok_pays_and_the_receipt_arrives_with_the_new_balance(
    page: Page, karo: SimulatedKaro, families: sessionmaker[Session]
) -> None:
    prompt = pay_full_balance(page, karo.url)
    expect(page.get_by_role("button", name="Dial again")).to_be_disabled()  # the prompt holds the phone
    for key in "12345":  # on the keypad, as on a handset: a PIN takes four digits, no more
        page.locator(f'.keypad button[data-key="{key}"]').click()
    expect(page.get_by_label("M-Pesa PIN", exact=True)).to_have_value("1234")
    prompt.get_by_role("button", name="OK").click()
    expect(prompt).to_be_hidden()
    expect(page.locator("#status")).to_contain_text("PIN accepted")
    expect(last_sms(page)).to_contain_text("Received KES 22,500 for Brian Kamau (KJA-002), M-Pesa")
    expect(last_sms(page)).to_contain_text("Fees fully paid")
    assert balance_shown(families, PART_PAID.children[0]) == kes(0)
    expect(page.get_by_role("button", name="Dial again")).to_be_enabled()


def test_cancel_tells_the_parent_why_and_how_to_try_again(
    page: Page, karo: SimulatedKaro, families: sessionmaker[Session]
) -> None:
    prompt = pay_full_balance(page, karo.url)
    prompt.get_by_role("button", name="Cancel").click()
    expect(prompt).to_be_hidden()
    expect(page.locator("#status")).to_have_text("You cancelled the payment.")
    notice = last_sms(page)
    expect(notice).to_contain_text("M-Pesa payment of KES 22,500 for Brian Kamau did not go through")
    expect(notice).to_contain_text("You cancelled the prompt.")
    expect(notice).to_contain_text("To try again, choose Pay")
    assert balance_shown(families, PART_PAID.children[0]) == "KES 22,500"


def test_a_short_pin_is_refused_on_the_phone_and_0000_is_a_wrong_pin(
    page: Page, karo: SimulatedKaro, families: sessionmaker[Session]
) -> None:
    prompt = pay_full_balance(page, karo.url)
    page.get_by_label("M-Pesa PIN", exact=True).fill("12")
    prompt.get_by_role("button", name="OK").click()
    expect(prompt.get_by_role("alert")).to_have_text("Enter your 4-digit M-Pesa PIN.")
    expect(prompt).to_be_visible()  # nothing was sent: the prompt still waits
    page.get_by_label("M-Pesa PIN", exact=True).fill("0000")
    prompt.get_by_role("button", name="OK").click()
    expect(page.locator("#status")).to_contain_text("Wrong PIN")
    expect(last_sms(page)).to_contain_text("The M-Pesa PIN was wrong.")
    assert balance_shown(families, PART_PAID.children[0]) == "KES 22,500"


def test_the_schools_name_on_the_prompt_is_text_not_markup(
    page: Page, karo: SimulatedKaro, families: sessionmaker[Session]
) -> None:
    with families.begin() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        school.name = "Kilimani <b>Junior</b> Academy"
    marked = PROMPT.replace("Kilimani Junior Academy", "Kilimani <b>Junior</b> Academy")
    pay_full_balance(page, karo.url, marked)
    assert page.locator("#mpesa b").count() == 0


def test_an_ignored_prompt_times_out_and_the_parent_is_told(
    page: Page, engine: Engine, families: sessionmaker[Session]
) -> None:
    with simulated_karo(engine, prompt_timeout=4.0) as karo:  # long enough for a poll to see it
        prompt = pay_full_balance(page, karo.url)
        expect(prompt).to_be_hidden()
        expect(page.locator("#status")).to_have_text("No answer: the M-Pesa prompt timed out.")
        expect(last_sms(page)).to_contain_text("We could not reach your phone")


def test_a_hidden_page_stops_asking_for_prompts_and_a_visible_one_asks_again(
    page: Page, karo: SimulatedKaro
) -> None:
    polls: list[str] = []

    def record(request: Request) -> None:
        if "/sandbox/mpesa?" in request.url or "/sandbox/chat?" in request.url:
            polls.append(request.url)

    page.goto(f"{karo.url}/sandbox")
    page.on("request", record)
    page.wait_for_timeout(2500)
    assert any("/sandbox/mpesa?" in url for url in polls)  # every 2 s while visible
    page.evaluate(VISIBILITY, "hidden")
    page.wait_for_timeout(300)  # a poll already on its way may land
    polls.clear()
    page.wait_for_timeout(4500)
    assert polls == []
    page.evaluate(VISIBILITY, "visible")
    page.wait_for_timeout(500)
    assert {url.split("?")[0].rsplit("/", 1)[1] for url in polls} == {"mpesa", "chat"}


# Chromium headless is always "visible": tell the page otherwise, as switching tabs would.
VISIBILITY = """(state) => {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  Object.defineProperty(document, "hidden", { value: state === "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_an_unknown_prompt_or_a_bad_answer_gets_a_clear_4xx(karo: SimulatedKaro) -> None:
    base, phone = f"{karo.url}/sandbox/mpesa", PART_PAID.phone
    unknown = httpx.post(f"{base}/ws_CO_000000", json={"phone": phone, "answer": "cancel"})
    assert unknown.status_code == 404
    assert "no M-Pesa prompt 'ws_CO_000000' is open on 0722000002" in unknown.text
    odd_id = httpx.post(f"{base}/not%20an%20id!", json={"phone": phone, "answer": "cancel"})
    assert odd_id.status_code == 404 and "no M-Pesa prompt" in odd_id.text
    not_a_phone = httpx.get(base, params={"phone": "12"})
    assert not_a_phone.status_code == 422 and "not a valid phone number" in not_a_phone.text
    foreign = httpx.post(f"{base}/ws_CO_000000", json={"phone": "+14155550100", "answer": "cancel"})
    assert foreign.status_code == 422 and "M-Pesa takes Kenyan numbers only" in foreign.text
    short_pin = httpx.post(f"{base}/ws_CO_000000", json={"phone": phone, "answer": "ok", "pin": "12"})
    assert short_pin.status_code == 422 and "four digits" in short_pin.text
    odd = httpx.post(f"{base}/ws_CO_000000", json={"phone": phone, "answer": "maybe"})
    assert odd.status_code == 422
    assert httpx.get(base, params={"phone": phone}).json() == {"prompts": []}


def test_a_prompt_answers_once(karo: SimulatedKaro) -> None:
    """A second answer (a double click, or a prompt that timed out meanwhile) is refused, not resent."""
    mpesa = karo.simulators.mpesa_phone
    assert mpesa is not None
    hop = {"sessionId": "ATUid_once", "serviceCode": "*384*25#", "phoneNumber": PART_PAID.phone}
    for text in ("", "2", "2*1", "2*1*1"):  # Pay, Full balance, Confirm
        answer = httpx.post(f"{karo.url}/at/ussd/{TOKEN}", data={**hop, "text": text})
    assert answer.text.startswith("END ") and "M-Pesa" in answer.text
    (prompt,) = wait_for(lambda: mpesa.open_prompts(PART_PAID.phone[1:]))
    url = f"{karo.url}/sandbox/mpesa/{prompt['checkout_request_id']}"
    first = httpx.post(url, json={"phone": PART_PAID.phone, "answer": "cancel"})
    again = httpx.post(url, json={"phone": PART_PAID.phone, "answer": "ok", "pin": "1234"})
    assert first.json() == {"result_code": 1032, "text": "You cancelled the payment."}
    assert again.status_code == 404


def test_without_the_daraja_simulator_the_phone_never_asks(engine: Engine, families) -> None:
    with TestClient(sandbox_app(engine)) as client:
        page = client.get("/sandbox")
        asked = client.get("/sandbox/mpesa", params={"phone": PART_PAID.phone})
    assert 'data-mpesa=""' in page.text
    assert asked.status_code == 503 and "no Daraja simulator" in asked.text
