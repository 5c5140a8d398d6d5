"""Every family message fits two SMS segments in both languages, however many children and long names."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.messaging.reminder_texts import Child, instalment_text, invoice_text, reminder_text, thanks_text
from ledger.records.tables import Language, School
from ledger.sms_parts import sms_segments

LONG_NAME = "Wanjiku Nyambura Kamau-Otieno Achieng"  # 37 characters
DUE = dt.date(2026, 1, 19)


def school(**fields) -> School:
    defaults = {"name": "St. Bakhita Mixed Day and Boarding Secondary School", "paybill": "4123456"}
    return School(slug="s", **(defaults | fields))


def family(n: int) -> list[Child]:
    return [Child(f"{LONG_NAME} {i}", f"ADM-2026-{i:04d}", 123_456_78 + i) for i in range(n)]


SCHOOLS = [school(ussd_code="*384*1234*56#"), school(), school(paybill=None, ussd_code="*384*25#")]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("children", range(1, 8))
@pytest.mark.parametrize("where", SCHOOLS, ids=["paybill+ussd", "paybill", "ussd"])
def test_every_family_message_fits_two_segments(language, children, where):
    kids = family(children)
    texts = [
        reminder_text(language, where, kids, DUE, dt.date(2026, 1, 12)),
        reminder_text(language, where, kids, DUE, dt.date(2026, 2, 2)),
        instalment_text(language, where, kids, 1_000_000_00, DUE),
        invoice_text(language, where, "2026-1", kids, DUE),
        thanks_text(language, where, [k.name for k in kids]),
    ]
    for text in texts:
        assert sms_segments(text) <= 2, text


def test_a_short_family_message_keeps_every_detail():
    text = reminder_text(Language.EN, school(ussd_code="*384*25#"), family(1)[:1], DUE, dt.date(2026, 2, 2))
    assert "Wanjiku" in text and "ADM-2026-0000" in text and "Paybill 4123456" in text
    assert "*384*25#" in text and "STOP" in text and "was due 19 Jan 2026" in text


def test_a_large_family_is_counted_rather_than_listed_and_still_says_how_to_pay():
    text = reminder_text(Language.SW, school(ussd_code="*384*25#"), family(7), DUE, dt.date(2026, 1, 12))
    assert "watoto 7" in text and "Paybill 4123456" in text and "ACHA" in text
