"""Attendance names every status it counts, so the figures a parent reads add up to the days recorded
(present includes late days; excused days are neither present nor absent), in English and Kiswahili."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from flows.gsm import gsm7_length
from ledger.types import AttendanceSummary
from tests.unit.flows import fakes
from tests.unit.flows.helpers import AMINA, run
from tests.unit.flows.test_keywords import send

# The register: 43 on time + 3 late = 46 present, 2 absent, 1 excused: 49 days.
REGISTER = AttendanceSummary(
    fakes.AMINA, "2026-1", 49, 46, 2, 3, 1, (dt.date(2026, 3, 6), dt.date(2026, 2, 2))
)
READS = {
    "en": ("Present 46 of 49 days (3 of them late)", "Days absent: 2, excused: 1"),
    "sw": ("Alikuwepo siku 46 kati ya 49 (alichelewa 3)", "Siku alizokosa: 2, kwa ruhusa: 1"),
}


def figures(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\b\d+\b", text)]


@pytest.mark.parametrize("language", ["en", "sw"])
def test_the_ussd_screen_accounts_for_every_day(monkeypatch, language):
    monkeypatch.setitem(fakes.ATTENDANCE, fakes.AMINA.id, REGISTER)
    _, screen, _ = run([*AMINA, "4"], phone=fakes.MULTI, language=language)
    days_line, absent_line = READS[language]
    assert days_line in screen.text and absent_line in screen.text, screen.text
    present, days, late = figures(days_line)
    absent, excused = figures(absent_line)
    assert present + absent + excused == days and late <= present


@pytest.mark.parametrize("language", ["en", "sw"])
def test_the_keyword_reply_accounts_for_every_day(monkeypatch, language):
    monkeypatch.setitem(fakes.ATTENDANCE, fakes.AMINA.id, REGISTER)
    word = {"en": "ATT", "sw": "MAHUDHURIO"}[language]
    _, reply, _ = send([f"{word} {fakes.AMINA.admission_no}"], phone=fakes.MULTI, language=language)
    assert all(line in reply for line in READS[language]), reply


@pytest.mark.parametrize("language", ["en", "sw"])
def test_a_long_term_with_every_status_still_fits_one_ussd_screen(monkeypatch, language):
    dates = (dt.date(2026, 3, 26), dt.date(2026, 2, 20), dt.date(2026, 1, 22))
    register = AttendanceSummary(fakes.AMINA, "2026-1", 100, 88, 10, 12, 2, dates)
    monkeypatch.setitem(fakes.ATTENDANCE, fakes.AMINA.id, register)
    _, screen, _ = run([*AMINA, "4"], phone=fakes.MULTI, language=language)
    shown = screen.render()
    lines = {
        "en": ("Present 88 of 100 days (12 of them late)", "Days absent: 10, excused: 2", "22 Jan"),
        "sw": (
            "Alikuwepo siku 88 kati ya 100 (alichelewa 12)",
            "Siku alizokosa: 10, kwa ruhusa: 2",
            "22 Jan",
        ),
    }[language]
    assert gsm7_length(shown) <= 160 and all(line in shown for line in lines), shown
