"""Balance, statement, attendance and results, read through the fakes, in English and Kiswahili."""

from __future__ import annotations

import pytest

from flows import step
from tests.unit.flows.fakes import CREDIT, EMPTY, MULTI
from tests.unit.flows.helpers import AMINA, BRIAN, FAITH, KEVIN, run

# (phone, inputs, language, fragment of the last screen)
ROWS = [
    # balance: total, due date, vote heads three at a time
    (MULTI, [*AMINA, "1"], "en", "Balance KES 12,500\nDue by 19 Jan 2026\nTuition 8,000\nBoarding 3,000"),
    (MULTI, [*AMINA, "1"], "en", "Activity 1,000\n1. Pay\n98 More 0 Back"),
    (MULTI, [*AMINA, "1", "98"], "en", "Due by 19 Jan 2026\nLunch 500\n1. Pay\n0 Back 00 Home"),
    (MULTI, [*AMINA, "1", "98", "0"], "en", "Tuition 8,000"),
    (MULTI, [*AMINA, "1"], "sw", "Salio KES 12,500\nLipa kufikia 19 Jan 2026\nTuition 8,000"),
    (MULTI, [*BRIAN, "1"], "en", "Balance KES 25,500.50"),
    (CREDIT, [*FAITH, "1"], "en", "Credit KES 2,000"),
    (CREDIT, [*FAITH, "1"], "sw", "Salio la ziada KES 2,000"),
    (EMPTY, [*KEVIN, "1"], "en", "Fully paid. Thank you!"),
    (EMPTY, [*KEVIN, "1"], "sw", "Karo yote imelipwa. Asante!"),
    # statement: latest three, 98 for older, 0 back to the newer page
    (
        MULTI,
        [*AMINA, "3"],
        "en",
        "Amina Wanjiku\n10 Feb Payment -1,500\n11 Feb Reversal 1,500\n2 Mar Payment -2,000",
    ),
    (MULTI, [*AMINA, "3"], "en", "Balance KES 12,500\n98 More 0 Back"),
    (MULTI, [*AMINA, "3", "98"], "en", "5 Jan Fees 15,000\n12 Jan Payment -2,000\n30 Jan Bursary -1,000"),
    (MULTI, [*AMINA, "3", "98"], "en", "Balance on 30 Jan: KES 14,500\n98 More 0 Back 00 Home"),
    (
        MULTI,
        [*AMINA, "3", "98", "98"],
        "en",
        "20 Dec Bal b/f 2,500\nBalance on 20 Dec: KES 2,500\n0 Back 00 Home",
    ),
    (MULTI, [*AMINA, "3", "98", "98", "98"], "en", "Invalid choice.\nAmina Wanjiku\n20 Dec Bal b/f 2,500"),
    (MULTI, [*AMINA, "3", "98", "98", "0"], "en", "5 Jan Fees 15,000"),
    (MULTI, [*AMINA, "3", "98", "98", "0", "0"], "en", "2 Mar Payment -2,000"),
    (
        MULTI,
        [*AMINA, "3"],
        "sw",
        "10 Feb Malipo -1,500\n11 Feb Marekebisho 1,500\n2 Mac Malipo -2,000\nSalio KES 12,500",
    ),
    (
        MULTI,
        [*AMINA, "3", "98"],
        "sw",
        "30 Jan Basari -1,000\nSalio tarehe 30 Jan: KES 14,500\n98 Zaidi 0 Rudi 00 Mwanzo",
    ),
    (EMPTY, [*KEVIN, "3"], "en", "No entries yet."),
    # attendance: term percentage, days absent, recent absences
    (
        MULTI,
        [*AMINA, "4"],
        "en",
        "Term 1 2026: 92.5% present\nPresent 37 of 40 days (2 of them late)\nDays absent: 3",
    ),
    (MULTI, [*AMINA, "4"], "en", "Absent on 6 Mar, 20 Feb, 2 Feb\n0 Back"),
    (
        MULTI,
        [*AMINA, "4"],
        "sw",
        "Muhula 1 2026: mahudhurio 92.5%\nAlikuwepo siku 37 kati ya 40 (alichelewa 2)\nSiku alizokosa: 3",
    ),
    (MULTI, [*AMINA, "4"], "sw", "Alikosa 6 Mac, 20 Feb, 2 Feb"),
    (MULTI, [*BRIAN, "4"], "en", "Term 1 2026: 100% present"),
    (EMPTY, [*KEVIN, "4"], "en", "No attendance recorded yet."),
    (EMPTY, [*KEVIN, "4"], "sw", "Hakuna rekodi ya mahudhurio bado."),
    # results: latest exam, subjects paged, earlier exams
    (
        MULTI,
        [*AMINA, "5"],
        "en",
        "Mid-term, Term 1 2026\nMean 62.5 (B-)\nBest: Physical Educ.\nWeakest: Creative Arts",
    ),
    (MULTI, [*AMINA, "5"], "en", "1. Subjects\n2. Earlier exams\n0 Back"),
    (
        MULTI,
        [*AMINA, "5", "1"],
        "en",
        "Subjects 1-4 of 9:\nMathematics 78 A-\nEnglish 65 B\nKiswahili 52 C\nScience 70 B+",
    ),
    (MULTI, [*AMINA, "5", "1", "98"], "en", "Subjects 5-8 of 9:\nSocial Studies 61 B-"),
    (MULTI, [*AMINA, "5", "1", "98", "98"], "en", "Subjects 9 of 9:\nPhysical Educ. 80 A\n0 Back 00 Home"),
    (MULTI, [*AMINA, "5", "1", "98", "98", "0"], "en", "Subjects 5-8 of 9:"),
    (MULTI, [*AMINA, "5", "2"], "en", "Earlier exams:\n1. End term, Term 3 2025\n2. Mid-term, Term 3 2025"),
    (MULTI, [*AMINA, "5", "2", "2"], "en", "Mid-term, Term 3 2025\nMean 55.2 (C+)"),
    (MULTI, [*AMINA, "5", "2", "2", "1"], "en", "Subjects 1-3 of 3:\nMathematics 78 A-"),
    (MULTI, [*AMINA, "5", "2", "2", "2"], "en", "Invalid choice.\nMid-term, Term 3 2025"),
    (MULTI, [*AMINA, "5", "2", "3"], "en", "Invalid choice.\nEarlier exams:"),
    (MULTI, [*AMINA, "5"], "sw", "Mid-term, Muhula 1 2026\nWastani 62.5 (B-)\nBora: Physical Educ."),
    (MULTI, [*AMINA, "5"], "sw", "1. Masomo\n2. Mitihani ya awali\n0 Rudi"),
    (MULTI, [*AMINA, "5", "1"], "sw", "Masomo 1-4 kati ya 9:"),
    (MULTI, [*BRIAN, "5"], "en", "Opener, Term 1 2026\nMean 71.5 (B+)"),
    (MULTI, [*BRIAN, "5", "2"], "en", "Invalid choice.\nOpener"),
    (EMPTY, [*KEVIN, "5"], "en", "No exam results yet."),
    (EMPTY, [*KEVIN, "5"], "sw", "Hakuna matokeo ya mtihani bado."),
]


@pytest.mark.parametrize(("phone", "inputs", "language", "fragment"), ROWS)
def test_reading_screens(phone: str, inputs: list[str], language: str, fragment: str) -> None:
    _, screen, _ = run(inputs, phone=phone, language=language)
    assert fragment in screen.render()
    assert not screen.end


def test_screens_are_read_afresh_when_coming_back() -> None:
    conversation, _, w = run([*AMINA, "1", "98"], phone=MULTI)
    balance = w.directory.balances[1]
    w.directory.balances[1] = type(balance)(balance.student, 500_000, balance.by_vote_head[:1], 0, None)
    _, screen = step(conversation, "0", w.ports)
    assert "Balance KES 5,000" in screen.render()
