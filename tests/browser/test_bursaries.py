"""Bursaries on a 360 px phone in chromium: a bursar adds one from the student's page and sees the balance
fall and the award listed; the sponsor's page then shows what it owes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import dashboard, sign_in  # noqa: F401  (a fixture)

PHONE = {"width": 360, "height": 740}


def test_a_bursar_adds_a_bursary_from_the_student_page_on_a_phone(page: Page, dashboard: str) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    sign_in(page, dashboard)
    page.goto(f"{dashboard}/dashboard/students?q=brian")
    page.get_by_role("link", name="Brian Kamau").click()
    expect(page.locator("#balance")).to_contain_text("Owes KES 22,500.00")
    expect(page.locator("#no-awards")).to_be_visible()
    form = page.locator("#bursary-form")
    form.get_by_label("Sponsor").fill("NG-CDF Westlands")
    form.get_by_label("Amount (KES, or a percentage like 50%)").fill("50%")
    form.get_by_role("button", name="Add bursary").click()
    expect(page.locator("#bursary-saved")).to_have_text("Bursary saved.")
    expect(page.locator("#balance")).to_contain_text("Owes KES 5,000.00")  # 50% of 35,000 off 22,500
    row = page.locator("#awards tbody tr")
    expect(row).to_contain_text("NG-CDF Westlands")
    expect(row).to_contain_text("KES 17,500.00")
    expect(row).to_contain_text("credited")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # nothing off-screen
    row.get_by_role("link", name="NG-CDF Westlands").click()
    expect(page.locator("#sponsor-totals")).to_contain_text("outstanding KES 17,500.00")


def test_a_bad_amount_is_explained_on_the_page(page: Page, dashboard: str) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    sign_in(page, dashboard)
    page.goto(f"{dashboard}/dashboard/students?q=brian")
    page.get_by_role("link", name="Brian Kamau").click()
    form = page.locator("#bursary-form")
    form.get_by_label("Sponsor").fill("NG-CDF Westlands")
    form.get_by_label("Amount (KES, or a percentage like 50%)").fill("40,000")
    form.get_by_role("button", name="Add bursary").click()
    expect(page.locator("#bursary-error")).to_contain_text("left to award")
    expect(page.locator("#balance")).to_contain_text("Owes KES 22,500.00")
