"""Reversing a payment from the student page on a 360 px phone, in chromium: the statement row's Reverse
action, the preview, the money's destination and the reason, then the statement with the original and its
reversal side by side, and a page that never scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import dashboard, sign_in  # noqa: F401  (the bursar's dashboard, served)

PHONE = {"width": 360, "height": 740}


def test_a_bursar_voids_a_payment_from_the_student_page_on_a_phone(page: Page, dashboard: str) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    sign_in(page, dashboard)
    page.goto(f"{dashboard}/dashboard/students?q=KJA-001")
    page.get_by_role("link", name="Achieng Otieno").click()
    expect(page.locator("#balance")).to_contain_text("Owes KES 13,500.00")
    page.get_by_role("link", name="Reverse M-Pesa payment TKB1X1").click()
    expect(page.locator("#preview")).to_contain_text(
        "owes KES 13,500.00 now; after this reversal, KES 19,500.00"
    )
    page.get_by_label("Void it").check()
    page.get_by_label("Reason").fill("mis-keyed: paid by another family")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Reverse").click()
    expect(page.locator("#reversed")).to_have_text("Reversed M-Pesa TKB1X1 (KES 6,000.00).")
    expect(page.locator("#balance")).to_contain_text("Owes KES 19,500.00")
    statement = page.locator("#statement tbody tr")
    expect(statement.filter(has_text="M-Pesa payment TKB1X1")).to_have_count(1)
    expect(
        statement.filter(has_text="Reversal of M-Pesa TKB1X1: mis-keyed: paid by another family")
    ).to_have_count(1)
    expect(page.get_by_role("link", name="Reverse M-Pesa payment TKB1X1")).to_have_count(0)  # once only
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
