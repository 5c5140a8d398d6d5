"""Promise to pay: quick choices and DDMM dates within the current term (today is 10 Mar 2026; the term
ends 2 Apr), recorded through the port, ending with a thank-you."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.flows.fakes import CREDIT, MULTI
from tests.unit.flows.helpers import AMINA, FAITH, WANJIRU, run

# (inputs, language, promised date)
PROMISES = [
    ([*AMINA, "6", "1"], "en", dt.date(2026, 3, 17)),
    ([*AMINA, "6", "2"], "en", dt.date(2026, 3, 24)),
    ([*AMINA, "6", "3"], "en", dt.date(2026, 4, 2)),
    ([*AMINA, "6", "4", "2503"], "en", dt.date(2026, 3, 25)),
    ([*AMINA, "6", "4", "1003"], "en", dt.date(2026, 3, 10)),
    ([*AMINA, "6", "4", "0204"], "sw", dt.date(2026, 4, 2)),
    ([*AMINA, "6", "4", "0103", "3003"], "en", dt.date(2026, 3, 30)),
]


@pytest.mark.parametrize(("inputs", "language", "on"), PROMISES)
def test_a_promise_is_recorded_and_ends_with_thanks(inputs: list[str], language: str, on: dt.date) -> None:
    _, screen, w = run(inputs, phone=MULTI, language=language)
    assert w.directory.promises == [(MULTI, 1, on)]
    assert screen.end
    assert ("Thank you." if language == "en" else "Asante.") in screen.text


def test_thanks_say_reminders_pause_until_then() -> None:
    _, screen, _ = run([*AMINA, "6", "1"], phone=MULTI)
    assert screen.text == (
        "Thank you. Your promise to pay by 17 Mar 2026 is noted. "
        "Reminders for Amina Wanjiku pause until then."
    )
    _, screen, _ = run([*AMINA, "6", "1"], phone=MULTI, language="sw")
    assert "kufikia 17 Mac 2026 imepokelewa. Vikumbusho kwa Amina Wanjiku vimesitishwa" in screen.text


# (phone, inputs, language, fragment of the last screen)
SCREENS = [
    (
        MULTI,
        [*AMINA, "6"],
        "en",
        "When will you pay KES 12,500?\n1. In 7 days (17 Mar)\n2. In 14 days (24 Mar)\n"
        "3. By term end (2 Apr)\n4. Another date",
    ),
    (
        MULTI,
        [*AMINA, "6"],
        "sw",
        "Utalipa KES 12,500 lini?\n1. Baada ya siku 7 (17 Mac)\n2. Baada ya siku 14 (24 Mac)\n"
        "3. Mwisho wa muhula (2 Apr)\n4. Tarehe nyingine",
    ),
    (MULTI, [*AMINA, "6", "4"], "en", "Enter the date as DDMM, e.g. 1703 for 17 Mar. Latest 2 Apr:"),
    (MULTI, [*AMINA, "6", "4"], "sw", "Weka tarehe kama DDMM, mfano 1703 ni 17 Mac. Hadi 2 Apr:"),
    (MULTI, [*AMINA, "6", "4", "0103"], "en", "That date has passed.\nEnter the date as DDMM"),
    (MULTI, [*AMINA, "6", "4", "0103"], "sw", "Tarehe hiyo imepita.\nWeka tarehe"),
    (MULTI, [*AMINA, "6", "4", "1504"], "en", "Choose a date by 2 Apr.\nEnter the date as DDMM"),
    (MULTI, [*AMINA, "6", "4", "1504"], "sw", "Chagua tarehe hadi 2 Apr."),
    (MULTI, [*AMINA, "6", "4", "3102"], "en", "Invalid date.\nEnter the date"),
    (MULTI, [*AMINA, "6", "4", "25/3"], "en", "Invalid date."),
    (MULTI, [*AMINA, "6", "4", "253"], "en", "Invalid date."),
    (MULTI, [*AMINA, "6", "4", "0"], "en", "When will you pay KES 12,500?"),
    (MULTI, [*AMINA, "6", "5"], "en", "Invalid choice.\nWhen will you pay"),
    (CREDIT, [*FAITH, "6"], "en", "Faith Chebet has no fee balance."),
    (CREDIT, [*FAITH, "6", "1"], "en", "Invalid choice.\nFaith Chebet has no fee balance."),
    (MULTI, [*WANJIRU, "6"], "en", "Term dates are not set yet. Please contact the school."),
    (MULTI, [*WANJIRU, "6", "4"], "sw", "Chaguo si sahihi.\nTarehe za muhula bado hazijawekwa."),
]


@pytest.mark.parametrize(("phone", "inputs", "language", "fragment"), SCREENS)
def test_promise_screens(phone: str, inputs: list[str], language: str, fragment: str) -> None:
    _, screen, w = run(inputs, phone=phone, language=language)
    assert fragment in screen.render()
    assert not screen.end
    assert w.directory.promises == []


def test_quick_choices_stay_within_the_term() -> None:
    conversation, _, w = run([], phone=MULTI)
    w.clock.on = dt.date(2026, 3, 25)  # the term ends in 8 days
    _, screen, _ = run([*AMINA, "6"], phone=MULTI, w=w)
    assert "1. In 7 days (1 Apr)\n4. Another date" in screen.render()
    _, screen, _ = run([*AMINA, "6", "2"], phone=MULTI, w=w)
    assert screen.render().startswith("Invalid choice.")
