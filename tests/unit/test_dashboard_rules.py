"""The dashboard's pure rules: the login throttle's waits, safe redirects, plain failure reasons, charts."""

from __future__ import annotations

import datetime as dt

from bot.dashboard.access import ALLOWED, Can
from bot.dashboard.auth import safe_next
from bot.dashboard.charts import bar_chart
from bot.dashboard.messages_text import plain_reason
from bot.dashboard.students import phone_digits
from ledger.staff.members import FREE_TRIES_ACCOUNT, LONGEST_WAIT, Role, wait_after


def test_the_throttle_lets_a_few_typos_through_then_doubles_the_wait_up_to_a_cap() -> None:
    waits = [wait_after(n, FREE_TRIES_ACCOUNT).total_seconds() for n in range(1, 9)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32]
    assert wait_after(40, FREE_TRIES_ACCOUNT) == LONGEST_WAIT == dt.timedelta(minutes=15)


def test_a_login_only_returns_to_a_dashboard_page_of_this_site() -> None:
    assert safe_next("/dashboard/students?q=a") == "/dashboard/students?q=a"
    for elsewhere in (
        "https://evil.example/dashboard",
        "//evil.example/dashboard",
        "/sandbox",
        "javascript:x",
    ):
        assert safe_next(elsewhere) == "/dashboard"


def test_provider_failures_read_as_plain_words() -> None:
    assert plain_reason("AbsentSubscriber") == "The phone was off or out of coverage; it was not delivered."
    assert "24 hours" in plain_reason(
        "63016 Failed to send freeform message because you are outside the window"
    )
    assert plain_reason("UserInBlackList (406)").startswith("The parent has blocked")
    assert plain_reason("Something new") == "The provider said: Something new"
    assert plain_reason("not sent: the parent opted out") == "Not sent: the parent opted out."  # ours


def test_only_a_bursar_moves_money_and_a_head_only_reads_and_approves() -> None:
    assert Can.MONEY in ALLOWED[Role.BURSAR] and Can.MONEY not in ALLOWED[Role.CLERK]
    assert ALLOWED[Role.HEAD] == {Can.READ, Can.APPROVE}
    # Maker-checker: the one who asks for a large reversal is never the one who approves it.
    assert Can.APPROVE not in ALLOWED[Role.BURSAR] and Can.APPROVE not in ALLOWED[Role.CLERK]
    assert Can.RECORDS in ALLOWED[Role.CLERK]


def test_a_search_that_looks_like_a_phone_is_compared_as_digits() -> None:
    assert phone_digits("0712 345 678") == "254712345678"
    assert phone_digits("+254 712-345-678") == "254712345678"
    assert phone_digits("Wanjiku") is None and phone_digits("12") is None


def test_bars_scale_to_the_largest_value_and_nothing_draws_for_nothing() -> None:
    chart = bar_chart("t", [("a", 50), ("b", 100), ("c", 0), ("d", -5)])
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == 160 and heights[0] == 80 and heights[2] == heights[3] == 0
    assert bar_chart("t", [("a", 0)]).empty and bar_chart("t", []).empty
