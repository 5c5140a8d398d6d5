"""The sandbox phone in chromium: a guardian's number dials a school's code and walks the real USSD menus."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, Request, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.balances import student_balance
from ledger.money import kes
from ledger.records.tables import Student
from tests.browser.conftest import MARKUP, PART_PAID, TOKEN, TWO_SCHOOLS, Family, sandbox_app
from tests.e2e.ussd_helpers import option_key


def balance_shown(families: sessionmaker[Session], admission_no: str) -> str:
    """The child's balance as the ledger computes it, written as the USSD menus write money."""
    with families() as session:
        child = session.scalars(select(Student).where(Student.admission_no == admission_no)).one()
        return kes(student_balance(session, child).total)


def dial(page: Page, family: Family) -> None:
    page.select_option("#phone", family.phone)
    page.get_by_role("button", name="Dial").click()


def choose(page: Page, label: str) -> None:
    """Key in the number of the option labelled ``label`` on the keypad, then Send."""
    screen = page.locator("#screen")
    expect(screen).to_contain_text(label)
    for key in option_key(screen.text_content() or "", label):
        page.locator(f'.keypad button[data-key="{key}"]').click()
    page.get_by_role("region", name="Phone").get_by_role("button", name="Send").click()


def hops(page: Page) -> list[dict[str, str]]:
    """Every form the page posts to the USSD endpoint, in order (filled as requests go out)."""
    sent: list[dict[str, str]] = []

    def record(request: Request) -> None:
        if request.method == "POST" and f"/at/ussd/{TOKEN}" in request.url:
            fields = parse_qs(request.post_data or "", keep_blank_values=True)
            sent.append({name: values[0] for name, values in fields.items()})

    page.on("request", record)
    return sent


def test_a_guardian_dials_the_schools_code_to_a_balance(page: Page, sandbox_url: str, families) -> None:
    page.goto(sandbox_url)
    page.select_option("#phone", PART_PAID.phone)
    expect(page.locator("#code")).to_have_value("*384*25#")  # the school's own code
    page.get_by_role("button", name="Dial").click()
    expect(page.locator("#screen")).to_contain_text("Brian Kamau")
    choose(page, "Balance")
    owed = balance_shown(families, PART_PAID.children[0])
    assert owed == "KES 22,500"  # 35,000 invoiced less 12,500 paid
    expect(page.locator("#screen")).to_contain_text(owed)


def test_the_two_school_phone_comes_first_and_the_shared_code_asks_which_school(
    page: Page, sandbox_url: str, families
) -> None:
    page.goto(sandbox_url)
    first = page.locator("#phone option").first
    expect(first).to_have_attribute("value", TWO_SCHOOLS.phone)
    expect(first).to_contain_text("0712000001")
    expect(first).to_contain_text("Kilimani Junior Academy, Mwangaza Secondary")
    expect(page.locator("#code")).to_have_value("*384#")
    page.get_by_role("button", name="Dial").click()
    expect(page.locator("#screen")).to_contain_text("Kilimani Junior Academy")
    choose(page, "Mwangaza")
    choose(page, "Balance")
    expect(page.locator("#screen")).to_contain_text(balance_shown(families, "MS-100"))


def test_an_end_closes_the_session_and_dialling_again_starts_a_new_one(
    page: Page, sandbox_url: str, families
) -> None:
    sent = hops(page)
    page.goto(sandbox_url)
    dial(page, PART_PAID)
    choose(page, "Pay")
    choose(page, "Full balance")
    choose(page, "Confirm")
    expect(page.locator("#status")).to_have_text("Session ended")
    expect(page.locator("#screen")).to_contain_text("M-Pesa")
    expect(page.locator("#reply")).to_be_disabled()
    page.get_by_role("button", name="Dial again").click()
    expect(page.locator("#screen")).to_contain_text("Brian Kamau")
    assert [hop["text"] for hop in sent] == ["", "2", "2*1", "2*1*1", ""]
    first, *rest, again = sent
    assert all(hop["sessionId"] == first["sessionId"] for hop in rest)
    assert again["sessionId"] != first["sessionId"]
    assert first["serviceCode"] == "*384*25#" and first["phoneNumber"] == PART_PAID.phone
    assert first["networkCode"] == "63902"


def test_a_number_typed_in_any_kenyan_form_is_dialled_as_that_guardian(
    page: Page, sandbox_url: str, families
) -> None:
    sent = hops(page)
    page.goto(sandbox_url)
    page.fill("#other", "0722 000 002")
    page.select_option("#code", "*384*25#")
    page.get_by_role("button", name="Dial").click()
    expect(page.locator("#screen")).to_contain_text("Brian Kamau")
    assert sent[0]["phoneNumber"] == PART_PAID.phone


def test_names_and_replies_are_shown_as_text_not_markup(page: Page, sandbox_url: str, families) -> None:
    page.goto(sandbox_url)
    expect(page.locator(f'#phone option[value="{MARKUP.phone}"]')).to_contain_text("Rose <b>Njeri</b>")
    dial(page, MARKUP)
    expect(page.locator("#screen")).to_contain_text("Ivy <i>Wa</i>")
    assert page.locator("#screen i, #phone b").count() == 0


@pytest.mark.parametrize("enabled", [False, True])
def test_the_sandbox_is_there_only_when_the_setting_enables_it(engine: Engine, families, enabled) -> None:
    with TestClient(sandbox_app(engine, sandbox=enabled)) as client:
        page, home = client.get("/sandbox"), client.get("/")
    assert page.status_code == (200 if enabled else 404)
    assert ('href="/sandbox"' in home.text) is enabled
    if enabled:
        assert f'data-endpoint="/at/ussd/{TOKEN}"' in page.text


def test_without_a_webhook_token_the_sandbox_says_it_cannot_dial(engine: Engine, families) -> None:
    with TestClient(sandbox_app(engine, token=None)) as client:
        page = client.get("/sandbox")
    assert page.status_code == 200
    assert "KARO_WEBHOOK_TOKEN" in page.text and 'data-endpoint=""' in page.text
