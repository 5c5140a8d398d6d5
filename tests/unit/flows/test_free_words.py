"""Free words in English and Kiswahili: the keywords' actions asked for in the parent's own words, and the
Pay buttons that start the M-Pesa prompt from a tap."""

from __future__ import annotations

import pytest

from flows import converse
from flows.keywords import parse
from flows.ports import PaymentRequest
from tests.unit.flows.fakes import AMINA, BRIAN, CREDIT, FAITH, MULTI, WANJIRU, World, world

# (message, action, language, words after it)
FREE = [
    ("balance", "balance", "en", ()),
    ("Balance?", "balance", "en", ()),
    ("BALANCE 1001", "balance", "en", ("1001",)),
    ("my balance", "balance", "en", ()),
    ("Fees balance.", "balance", "en", ()),
    ("How much do I owe?", "balance", "en", ()),
    ("how much do i owe", "balance", "en", ()),
    ("  HOW MUCH   do I owe ??", "balance", "en", ()),
    ("What's my balance?", "balance", "en", ()),
    ("salio", "balance", "sw", ()),
    ("Salio langu", "balance", "sw", ()),
    ("Nadaiwa kiasi gani?", "balance", "sw", ()),
    ("ninadaiwa kiasi gani", "balance", "sw", ()),
    ("Deni langu.", "balance", "sw", ()),
    ("results", "results", "en", ()),
    ("Results!", "results", "en", ()),
    ("exam results", "results", "en", ()),
    ("RESULTS 1002", "results", "en", ("1002",)),
    ("matokeo", "results", "sw", ()),
    ("Matokeo ya mtihani", "results", "sw", ()),
    ("statement", "statement", "en", ()),
    ("taarifa ya malipo", "statement", "sw", ()),
    ("attendance", "attendance", "en", ()),
    ("pay 5000", "pay", "en", ("5000",)),
    ("lipa 5000", "pay", "sw", ("5000",)),
    ("Pay KES 5,000", "pay", "en", ("KES", "5,000")),
]


@pytest.mark.parametrize(("message", "action", "language", "args"), FREE)
def test_free_words_are_read_as_the_keyword_in_their_language(
    message: str, action: str, language: str, args: tuple[str, ...]
) -> None:
    keyword = parse(message)
    assert keyword is not None
    assert (keyword.action, keyword.language, keyword.args) == (action, language, args)


@pytest.mark.parametrize(
    "message",
    [
        "I paid the balance yesterday",
        "my results are late",
        "how much",
        "owe",
        "nadaiwa",
        "nimelipa salio jana",
        "hi",
        "habari",
        "asante",
        "taarifa",  # "news" as often as "statement": no guess
        "pay now please",
    ],
)
def test_ambiguous_or_unknown_words_get_the_menu(message: str) -> None:
    """Nothing is guessed: a sentence that merely contains a keyword-like word starts the menu."""
    _, screen = converse(None, CREDIT, message, world().ports)
    if message == "pay now please":  # PAY without an amount: how to pay, never a prompt
        assert "reply with the amount in digits" in screen.render()
        return
    assert parse(message) is None
    assert screen.options and not screen.end


def _send(message: str, phone: str = CREDIT, w: World | None = None) -> tuple[str, World]:
    w = w or world()
    _, screen = converse(None, phone, message, w.ports)
    return screen.render(), w


# (message, what the parent of one child reads): the same answers as the keywords, in the phrase's language
ANSWERS = [
    ("How much do I owe?", "Faith Chebet (1004)\nCredit KES 2,000"),
    ("nadaiwa kiasi gani", "Faith Chebet (1004)\nSalio la ziada KES 2,000"),
    ("Balance", "Credit KES 2,000"),
    ("salio langu", "Salio la ziada KES 2,000"),
    ("Results", "Opener, Term 1 2026\nMean 66 (B)"),
    ("matokeo ya mtihani", "Opener, Muhula 1 2026\nWastani 66 (B)"),
]


@pytest.mark.parametrize(("message", "fragment"), ANSWERS)
def test_free_words_get_the_keywords_answer(message: str, fragment: str) -> None:
    reply, _ = _send(message)
    assert fragment in reply


@pytest.mark.parametrize(
    ("message", "cents"),
    [
        ("pay 5000", 500_000),
        ("lipa 5000", 500_000),
        ("PAY KES 5,000", 500_000),
        ("pay Ksh5000", 500_000),
        ("Lipa ksh 5,000/=", 500_000),
        ("pay 5k", 500_000),
        ("lipa 2.5K", 250_000),
        ("pay 5,000.00", 500_000),
        ("PAY SHS 12,500", 1_250_000),
    ],
)
def test_amounts_as_parents_write_them_ask_for_the_prompt(message: str, cents: int) -> None:
    _, w = _send(message)
    assert w.payments.requests == [PaymentRequest(CREDIT, FAITH.id, cents)]


def test_an_amount_and_an_admission_number_after_the_currency() -> None:
    _, w = _send("Pay KES 5,000 1002", phone=MULTI)
    assert w.payments.requests == [PaymentRequest(MULTI, BRIAN.id, 500_000)]


@pytest.mark.parametrize(("message", "word"), [("BAL 1001", "PAY"), ("salio 1001", "LIPA")])
def test_a_balance_owed_comes_with_a_pay_button_that_asks_for_the_prompt(message: str, word: str) -> None:
    w = world()
    _, screen = converse(None, MULTI, message, w.ports)
    owed = w.directory.balance(MULTI, AMINA.id).total
    whole = -(-owed // 100)
    [button] = screen.options
    assert button.key == "" and button.sends == f"{word} {whole} 1001"
    assert button.title.endswith(f"{whole:,}") and len(button.title) <= 20
    assert button.sends not in screen.render()  # text channels show the words, never the button
    conversation, answer = converse(None, MULTI, button.sends, w.ports)
    assert w.payments.requests == [PaymentRequest(MULTI, AMINA.id, whole * 100)]
    assert conversation.ended and "M-Pesa" in answer.render()


def test_several_children_get_a_named_button_each_up_to_three() -> None:
    w = world()
    _, screen = converse(None, MULTI, "BAL", w.ports)
    owing = [c for c in (AMINA, BRIAN, WANJIRU) if w.directory.balance(MULTI, c.id).total >= 1000]
    assert [b.sends.split()[-1] for b in screen.options] == [c.admission_no for c in owing][:3]
    assert all(b.title.split()[-1] == c.name.split()[0] for b, c in zip(screen.options, owing, strict=False))


def test_no_button_for_a_family_in_credit() -> None:
    _, screen = converse(None, CREDIT, "balance", world().ports)
    assert screen.options == ()


def test_the_balance_screen_pay_option_is_typed_as_1_and_tapped_as_the_prompt() -> None:
    w = world()
    conversation, screen = converse(None, CREDIT, "hi", w.ports)
    conversation, screen = converse(None, MULTI, "hi", w.ports)
    while screen.options and screen.options[0].label != "Balance":  # choose the first child
        conversation, screen = converse(conversation, MULTI, "1", w.ports)
    conversation, screen = converse(conversation, MULTI, "1", w.ports)
    pay = screen.options[0]
    assert pay.key == "1" and "1. Pay" in screen.render()
    assert pay.sends.startswith("PAY ") and pay.sends.endswith(" 1001")
    _, _ = converse(conversation, MULTI, pay.sends, w.ports)
    assert [r.student_id for r in w.payments.requests] == [AMINA.id]
