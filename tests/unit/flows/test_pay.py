"""Paying by M-Pesa: amounts, the confirmation, the request through the port, and what the parent is told."""

from __future__ import annotations

import pytest

from flows import step
from flows.ports import PaymentOutcome, PaymentRequest
from tests.unit.flows.fakes import AMINA as AMINA_REF
from tests.unit.flows.fakes import CREDIT, MULTI, World, world
from tests.unit.flows.helpers import AMINA, BRIAN, FAITH, WANJIRU, run

CONFIRM_AMINA = "Pay KES 12,500 for Amina Wanjiku, Adm No. 1001, from 0712 345 678?\n1. Confirm\n2. Cancel"

# (phone, inputs, language, fragment of the last screen)
SCREENS = [
    (
        MULTI,
        [*AMINA, "2"],
        "en",
        "Pay fees for Amina Wanjiku\nBalance KES 12,500\n1. Full balance KES 12,500\n2. Other amount",
    ),
    (
        MULTI,
        [*AMINA, "2"],
        "sw",
        "Lipa karo ya Amina Wanjiku\nSalio KES 12,500\n1. Salio lote KES 12,500\n2. Kiasi kingine",
    ),
    (MULTI, [*AMINA, "1", "1"], "en", "Pay fees for Amina Wanjiku"),
    (MULTI, [*AMINA, "2", "1"], "en", CONFIRM_AMINA),
    (
        MULTI,
        [*AMINA, "2", "1"],
        "sw",
        "Lipa KES 12,500 kwa Amina Wanjiku, Adm No. 1001, kutoka 0712 345 678?\n1. Thibitisha\n2. Ghairi",
    ),
    (MULTI, [*AMINA, "2", "2"], "en", "Enter the amount in KES, 10 to 250,000:\n0 Back 00 Home"),
    (MULTI, [*AMINA, "2", "2", "9"], "en", "Enter 10 to 250,000.\nEnter the amount in KES"),
    (MULTI, [*AMINA, "2", "2", "250001"], "en", "Enter 10 to 250,000.\nEnter the amount in KES"),
    (MULTI, [*AMINA, "2", "2", "5,000"], "en", "Digits only.\nEnter the amount in KES"),
    (MULTI, [*AMINA, "2", "2", "5k"], "en", "Digits only."),
    (MULTI, [*AMINA, "2", "2", "\u0665\u0660\u0660"], "en", "Digits only."),
    (MULTI, [*AMINA, "2", "2", ""], "sw", "Tarakimu pekee.\nWeka kiasi kwa KES"),
    (MULTI, [*AMINA, "2", "2", "9"], "sw", "Weka 10 hadi 250,000."),
    (MULTI, [*AMINA, "2", "2", "98"], "en", "Pay KES 98 for Amina Wanjiku"),
    (
        MULTI,
        [*AMINA, "2", "2", "20000"],
        "en",
        "KES 20,000 is more than the balance of KES 12,500. Continue?\n1. Yes",
    ),
    (
        MULTI,
        [*AMINA, "2", "2", "20000"],
        "sw",
        "KES 20,000 ni zaidi ya salio la KES 12,500. Endelea?\n1. Ndiyo",
    ),
    (MULTI, [*AMINA, "2", "2", "20000", "1"], "en", "Pay KES 20,000 for Amina Wanjiku, Adm No. 1001"),
    (MULTI, [*AMINA, "2", "2", "20000", "2"], "en", "Enter the amount in KES"),
    (MULTI, [*AMINA, "2", "2", "12500"], "en", CONFIRM_AMINA),
    (MULTI, [*AMINA, "2", "1", "0"], "en", "1. Full balance KES 12,500"),
    (MULTI, [*AMINA, "2", "1", "2"], "en", "Payment cancelled.\nAmina Wanjiku\n1. Balance"),
    (MULTI, [*BRIAN, "2"], "en", "Balance KES 25,500.50\n1. Full balance KES 25,501"),
    (
        MULTI,
        [*WANJIRU, "2", "1"],
        "en",
        "Pay KES 249,999 for Wanjiru Nyambura Kamau., Adm No. SMG/2024/0457, from 0712 345 678?",
    ),
    (CREDIT, [*FAITH, "2"], "en", "Pay fees for Faith Chebet\nCredit KES 2,000\n2. Other amount"),
    (CREDIT, [*FAITH, "2", "1"], "en", "Invalid choice.\nPay fees for Faith Chebet"),
    (CREDIT, [*FAITH, "2", "2", "500"], "en", "KES 500 is more than the balance of KES 0. Continue?"),
]


@pytest.mark.parametrize(("phone", "inputs", "language", "fragment"), SCREENS)
def test_pay_screens(phone: str, inputs: list[str], language: str, fragment: str) -> None:
    _, screen, w = run(inputs, phone=phone, language=language)
    assert fragment in screen.render()
    assert not screen.end
    assert w.payments.requests == []


# (inputs, cents asked for)
REQUESTS = [
    ([*AMINA, "2", "1", "1"], 1_250_000),
    ([*AMINA, "2", "2", "5000", "1"], 500_000),
    ([*AMINA, "2", "2", "10", "1"], 1_000),
    ([*AMINA, "2", "2", "20000", "1", "1"], 2_000_000),
    ([*AMINA, "2", "2", "9", "300000", "abc", "7500", "1"], 750_000),
    ([*BRIAN, "2", "1", "1"], 2_550_100),
]


@pytest.mark.parametrize(("inputs", "cents"), REQUESTS)
def test_a_confirmed_payment_asks_the_port_once_for_the_right_amount(inputs: list[str], cents: int) -> None:
    _, screen, w = run(inputs, phone=MULTI)
    student_id = 2 if inputs[:2] == BRIAN else 1
    assert w.payments.requests == [PaymentRequest(MULTI, student_id, cents)]
    assert screen.end
    assert (
        "You will receive an M-Pesa prompt on 0712 345 678 shortly. Enter your PIN to pay KES" in screen.text
    )


def test_queued_payment_names_amount_and_child() -> None:
    _, screen, _ = run([*AMINA, "2", "2", "5000", "1"], phone=MULTI)
    expected = (
        "You will receive an M-Pesa prompt on 0712 345 678 shortly. "
        "Enter your PIN to pay KES 5,000 for Amina Wanjiku."
    )
    assert (screen.text, screen.end) == (expected, True)


def test_queued_payment_in_kiswahili() -> None:
    _, screen, _ = run([*AMINA, "2", "1", "1"], phone=MULTI, language="sw")
    assert screen.text.startswith("Utapokea ombi la M-Pesa kwenye 0712 345 678 hivi punde. Weka PIN yako")


def test_a_prompt_already_on_its_way_is_explained_kindly() -> None:
    _, screen, w = run([*AMINA, "2", "1", "1"], phone=MULTI, outcome=PaymentOutcome.ALREADY_PENDING)
    assert screen.end
    assert "already on its way to 0712 345 678" in screen.text
    assert len(w.payments.requests) == 1


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        ([*AMINA, "2", "1", "1"], "You can pay by Paybill 123456, account 1001."),
        ([*WANJIRU, "2", "1", "1"], "Please try again later."),
    ],
)
def test_unavailable_payment_says_how_else_to_pay(inputs: list[str], fragment: str) -> None:
    _, screen, _ = run(inputs, phone=MULTI, outcome=PaymentOutcome.UNAVAILABLE)
    assert screen.end
    assert fragment in screen.text


def test_the_session_ends_after_the_request_and_a_new_input_starts_afresh() -> None:
    conversation, _, w = run([*AMINA, "2", "1", "1"], phone=MULTI)
    assert conversation.ended and conversation.amount is None
    _, screen = step(conversation, "1", w.ports)
    assert screen.render().startswith("Choose a school:")
    assert len(w.payments.requests) == 1


def without_stk(*school_ids: int, language: str = "en") -> World:
    w = world(language)
    w.payments.no_stk = set(school_ids)
    return w


@pytest.mark.parametrize(
    ("inputs", "language", "fragment"),
    [
        ([*AMINA, "2"], "en", "Pay by M-Pesa Paybill 123456, account 1001."),
        ([*AMINA, "2"], "sw", "Lipa kwa M-Pesa Paybill 123456, akaunti 1001."),
        ([*WANJIRU, "2"], "en", "Please contact the school"),
        ([*WANJIRU, "2"], "sw", "Tafadhali wasiliana na shule"),
    ],
)
def test_a_school_without_a_daraja_app_shows_paybill_instead_of_a_prompt(
    inputs: list[str], language: str, fragment: str
) -> None:
    w = without_stk(1, 2, language=language)
    _, screen, w = run([*inputs, "1", "1", "1"], phone=MULTI, w=w)  # the keys of the prompt's screens
    assert fragment in screen.text
    assert "prompt" not in screen.text and "ombi" not in screen.text
    assert w.payments.requests == []


def test_a_school_with_a_daraja_app_still_prompts_beside_one_without() -> None:
    _, screen, w = run([*AMINA, "2", "1", "1"], phone=MULTI, w=without_stk(2))
    assert "You will receive an M-Pesa prompt" in screen.text
    assert [r.student_id for r in w.payments.requests] == [AMINA_REF.id]
