"""Official receipts for parents: RECEIPT/RISITI by SMS and WhatsApp, and receipt numbers on the USSD
statement, in both languages."""

from __future__ import annotations

import pytest

from flows import converse, is_gsm7, sms_segments
from flows.screen import MAX_LENGTH
from tests.unit.flows.fakes import CREDIT, EMPTY, MULTI, RECEIPTED, UNKNOWN, world
from tests.unit.flows.helpers import run


def reply(message: str, phone: str, language: str = "en") -> tuple[str, int | None]:
    conversation, screen = converse(None, phone, message, world(language).ports)
    assert conversation.ended and screen.end
    return screen.render(), screen.receipt_pdf


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "RECEIPT",
            "Latest receipts:\n"
            "ACA-2026-000012, 2 Mar 2026\nKES 2,000 M-Pesa, Amina Wanjiku\n"
            "ACA-2026-000007, 10 Feb 2026\nKES 1,500 Cash, Amina Wanjiku, CANCELLED\n"
            "SMG-2026-000457, 2 Feb 2026\nKES 100,000 Bank, Wanjiru Nyambura Kamau.",
        ),
        (
            "risiti",
            "Risiti za karibuni:\n"
            "ACA-2026-000012, 2 Mac 2026\nKES 2,000 M-Pesa, Amina Wanjiku\n"
            "ACA-2026-000007, 10 Feb 2026\nKES 1,500 Taslimu, Amina Wanjiku, IMEFUTWA\n"
            "SMG-2026-000457, 2 Feb 2026\nKES 100,000 Benki, Wanjiru Nyambura Kamau.",
        ),
    ],
)
def test_the_latest_three_receipts_across_every_child_newest_first(message: str, expected: str) -> None:
    text, pdf = reply(message, MULTI)
    assert text == expected
    assert pdf == 17  # the newest receipt's payment: a channel that carries documents sends its PDF
    assert is_gsm7(text) and sms_segments(text) <= 2


def test_an_admission_number_lists_that_childs_receipts_only() -> None:
    text, pdf = reply("Receipt 1001", MULTI)
    assert text.count("Amina Wanjiku") == 3 and "ACA-2026-000003, 12 Jan 2026" in text
    assert "Wanjiru" not in text and pdf == 17
    wanjiru, pdf = reply("RECEIPT SMG/2024/0457", MULTI)
    assert "SMG-2026-000457" in wanjiru and "Amina" not in wanjiru and pdf == 33


def test_an_only_child_is_not_named_and_the_method_is_in_the_familys_words() -> None:
    only = "Latest receipts:\nACA-2026-000001, 6 Jan 2026\nKES 12,000 Cheque"
    assert reply("RECEIPT", CREDIT) == (only, 42)
    assert reply("RISITI", CREDIT)[0].endswith("KES 12,000 Hundi")
    cancelled, _ = reply("receipt.", RECEIPTED)
    assert "ACA-2026-000008, 2 Feb 2026\nKES 6,000 M-Pesa, CANCELLED" in cancelled


@pytest.mark.parametrize(
    ("message", "phone", "expected"),
    [
        ("RECEIPT", EMPTY, "No receipts yet: a receipt comes with every payment the school receives."),
        ("RISITI", EMPTY, "Hakuna risiti bado: risiti hutumwa kwa kila malipo shule inayopokea."),
        ("RECEIPT 1002", MULTI, "No receipts yet: a receipt comes with every payment the school receives."),
    ],
)
def test_no_receipts_gets_a_clear_answer_and_no_document(message: str, phone: str, expected: str) -> None:
    assert reply(message, phone) == (expected, None)


def test_an_unknown_admission_number_or_phone_names_nobody_elses_child() -> None:
    text, pdf = reply("RECEIPT 9999", MULTI)
    assert text.startswith("No child with Adm No. 9999.") and "Amina Wanjiku: RECEIPT 1001" in text
    assert pdf is None
    stranger, pdf = reply("RISITI", UNKNOWN)
    assert "not registered" in stranger and "Amina" not in stranger and pdf is None


@pytest.mark.parametrize(
    ("language", "inputs", "expected"),
    [
        (
            "en",
            ["3"],
            "3 Feb Reversal 6,000 ACA-2026-000008\n1 Mar Payment -5,000 ACA-2026-000011\nBalance KES 15,000",
        ),
        ("en", ["3", "98"], "2 Feb Payment -6,000 ACA-2026-000008\nBalance on 2 Feb: KES 14,000\n98 More"),
        (
            "en",
            ["3", "98", "98", "98"],
            "5 Jan Fees 30,000\n10 Jan Payment -5,000 ACA-2026-000004\nBalance on 10 Jan: KES 25,000\n0 Back",
        ),
        (
            "sw",
            ["3"],
            "3 Feb Marekebisho 6,000 ACA-2026-000008\n1 Mac Malipo -5,000 ACA-2026-000011\nSalio KES 15,000",
        ),
        ("sw", ["3", "98"], "2 Feb Malipo -6,000 ACA-2026-000008\nSalio tarehe 2 Feb: KES 14,000\n98 Zaidi"),
    ],
)
def test_ussd_statement_lines_show_receipt_numbers_a_page_fitting_the_screen(
    language: str, inputs: list[str], expected: str
) -> None:
    _, screen, _ = run(inputs, phone=RECEIPTED, language=language)
    rendered = screen.render()
    assert expected in rendered
    assert len(rendered) <= MAX_LENGTH and is_gsm7(rendered) and not rendered.endswith("..")


def test_paging_through_long_lines_skips_no_entry_and_repeats_none() -> None:
    seen: list[str] = []
    inputs = ["3"]
    while True:
        _, screen, _ = run(inputs, phone=RECEIPTED)
        seen += [line for line in screen.text.split("\n") if line[:1].isdigit()]
        if not any(option.key == "98" for option in screen.options):
            break
        inputs.append("98")
    dates = [" ".join(line.split()[:2]) for line in seen]
    assert sorted(dates) == sorted(["5 Jan", "10 Jan", "20 Jan", "2 Feb", "3 Feb", "1 Mar"])
    assert len(dates) == len(set(dates))
