"""Texts in both languages, the GSM-7 alphabet, and how money, dates and phones are written."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from flows.formatting import clip, decimal, local_phone, long_date, short_date, term_label
from flows.gsm import gsm7_length, is_gsm7, plain
from flows.screen import Option, Screen, fit
from flows.texts import MONTHS, TEXTS
from ledger.money import kes


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_texts_with_the_same_blanks() -> None:
    assert TEXTS["en"].keys() == TEXTS["sw"].keys()
    for key, english in TEXTS["en"].items():
        assert placeholders(english) == placeholders(TEXTS["sw"][key]), key


@pytest.mark.parametrize("language", ["en", "sw"])
def test_texts_are_plain_gsm7(language: str) -> None:
    for key, template in [*TEXTS[language].items(), *(("month", m) for m in MONTHS[language])]:
        text = template.format(**dict.fromkeys(placeholders(template), "x"))
        assert text.isascii() and is_gsm7(text) and gsm7_length(text) == len(text), f"{key}: {text!r}"


def test_gsm7_alphabet() -> None:
    assert is_gsm7("Karibu! KES 1,000 @ 50% - sawa? £$¥ é")
    assert not is_gsm7("\u2019") and not is_gsm7("\U0001f600") and not is_gsm7("\u0101")
    assert is_gsm7("[x] {y} ~ ^ | \\ \u20ac")
    assert gsm7_length("a[b]\u20ac") == 8


def test_record_data_is_made_plain() -> None:
    assert plain("O\u2019Brien  Nj\u0169guna\n\U0001f600 Ch\u00e9pkoech") == "O'Brien Njuguna Chepkoech"
    assert plain("[Form 1] {East}") == "Form 1 East"
    assert clip("Wanjiru Nyambura Kamau-Otieno", 24) == "Wanjiru Nyambura Kamau."
    assert clip("Amina", 24) == "Amina"


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        (1_250_000, "KES 12,500"),
        (2_550_050, "KES 25,500.50"),
        (5, "KES 0.05"),
        (0, "KES 0"),
        (-200_000, "KES -2,000"),
    ],
)
def test_money_drops_whole_cents(cents: int, expected: str) -> None:
    assert kes(cents) == expected
    assert kes(cents, label=False) == expected.removeprefix("KES ")


def test_dates_phones_terms_and_scores() -> None:
    assert short_date(dt.date(2026, 3, 12), "en") == "12 Mar"
    assert short_date(dt.date(2026, 8, 1), "sw") == "1 Ago"
    assert long_date(dt.date(2026, 12, 5), "sw") == "5 Des 2026"
    assert local_phone("+254712345678") == "0712 345 678"
    assert local_phone("+254110000001") == "0110 000 001"
    assert local_phone("+447700900123") == "+447700900123"
    assert term_label("2026-1", "en") == "Term 1 2026"
    assert term_label("2026-3", "sw") == "Muhula 3 2026"
    assert (decimal(62.46), decimal(92.0), decimal(100), decimal(float("nan"))) == ("62.5", "92", "100", "-")


def test_render_puts_navigation_on_one_line() -> None:
    screen = Screen(
        "Hello", (Option("1", "Balance"), Option("98", "More"), Option("0", "Back"), Option("00", "Home"))
    )
    assert screen.render() == "Hello\n1. Balance\n98 More 0 Back 00 Home"


def test_fit_clips_an_overlong_body_and_keeps_the_options() -> None:
    screen = fit(Screen("x" * 300, (Option("1", "Confirm"), Option("0", "Back"))))
    assert len(screen.render()) == 160
    assert screen.render().endswith("x..\n1. Confirm\n0 Back")
    assert fit(Screen("[" * 100)).render() == "[" * 79 + ".."
