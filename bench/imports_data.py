"""A school-sized students register as a bursar would export it, and the same file with bad rows scattered.

Families of one to four children share their guardians (so a phone recurs across rows), about a third of
families list a second guardian, phones come in the forms people type (0712 345 678, +254712345678,
254712345678, 712345678, 0712-345-678), classes are grades and forms in streams, and the language column
is mostly blank. The same seed gives the same file, so runs compare.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

HEADER = (
    "admission_no",
    "name",
    "class",
    "guardian_name",
    "guardian_phone",
    "guardian2_name",
    "guardian2_phone",
    "language",
)
FIRST = [
    "Achieng",
    "Akinyi",
    "Amani",
    "Baraka",
    "Chebet",
    "Faith",
    "Imani",
    "Jabari",
    "Juma",
    "Kamau",
    "Kariuki",
    "Kibet",
    "Kipchoge",
    "Mwangi",
    "Neema",
    "Njeri",
    "Nyambura",
    "Odhiambo",
    "Otieno",
    "Wanjiku",
    "Wambui",
    "Wafula",
    "Zawadi",
    "Mercy",
    "Brian",
    "Kevin",
    "Sharon",
    "Dennis",
    "Cynthia",
    "Ian",
    "Joy",
    "Kelvin",
    "Lydia",
    "Moses",
    "Naliaka",
    "Peter",
    "Ruth",
    "Stacy",
    "Tabitha",
    "Victor",
]
LAST = [
    "Otieno",
    "Ochieng",
    "Kamau",
    "Mwangi",
    "Njoroge",
    "Kiprop",
    "Kiptoo",
    "Cheruiyot",
    "Wanjiru",
    "Mutua",
    "Musyoka",
    "Kilonzo",
    "Wekesa",
    "Barasa",
    "Omondi",
    "Onyango",
    "Kariuki",
    "Gitau",
    "Chege",
    "Maina",
    "Nyaga",
    "Mugo",
    "Muriuki",
    "Korir",
    "Rotich",
    "Langat",
    "Hassan",
    "Abdi",
    "Ali",
    "Said",
]
CLASSES = [f"{grade} {stream}" for grade in ["PP1", "PP2", *(f"Grade {n}" for n in range(1, 10))]
           for stream in ("East", "West", "North", "South")]  # fmt: skip
LANGUAGES = ("", "", "", "", "", "", "en", "sw", "English", "Kiswahili")


@dataclass(frozen=True)
class Register:
    text: str
    rows: int
    families: int
    guardians: int


def phone_forms(number: int) -> list[str]:
    """The ways a Kenyan mobile number ``7XXXXXXXX`` or ``1XXXXXXXX`` gets typed into a spreadsheet."""
    digits = f"{number:09d}"
    spaced = f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
    return [spaced, f"+254{digits}", f"254{digits}", digits, f"0{digits[:3]}-{digits[3:6]}-{digits[6:]}"]


def register(students: int, seed: int = 2026) -> Register:
    """``students`` rows in families, each family's guardians with their own phones."""
    rng = random.Random(seed)
    numbers = iter(rng.sample(range(700_000_000, 800_000_000), students * 2))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    written = families = guardians = 0
    while written < students:
        families += 1
        surname = rng.choice(LAST)
        first = (f"{rng.choice(FIRST)} {surname}", rng.choice(phone_forms(next(numbers))))
        second = ("", "")
        if rng.random() < 0.33:
            second = (f"{rng.choice(FIRST)} {surname}", rng.choice(phone_forms(next(numbers))))
        guardians += 2 if second[0] else 1
        language = rng.choice(LANGUAGES)
        for _ in range(min(rng.choice((1, 1, 1, 2, 2, 3, 4)), students - written)):
            written += 1
            admission = f"KJA-{written:05d}" if rng.random() < 0.9 else f"kja {written:05d}"
            name = f"{rng.choice(FIRST)} {rng.choice(FIRST)} {surname}"
            writer.writerow([admission, name, rng.choice(CLASSES), *first, *second, language])
    return Register(out.getvalue(), students, families, guardians)


def with_bad_rows(text: str, every: int = 500, seed: int = 7) -> tuple[str, list[int]]:
    """The file with one row in ``every`` spoiled in one of the ways bursars' files go wrong, and the
    line numbers (header is line 1) that a refusal must list."""
    rng = random.Random(seed)
    lines = text.splitlines()
    bad: list[int] = []
    for index in range(1, len(lines), every):
        cells = next(csv.reader([lines[index]]))
        spoil = rng.randrange(5)
        if spoil == 0:
            cells[4] = "12345"  # a phone with digits missing
        elif spoil == 1:
            cells[1] = ""  # no name
        elif spoil == 2:
            cells[0] = next(csv.reader([lines[1]]))[0]  # the first row's admission number again
        elif spoil == 3:
            cells[7] = "French"
        else:
            cells[2] = "x" * 41  # a class name longer than the column
        if index == 1 and spoil == 2:
            cells[1] = ""  # line 2 cannot repeat itself: make it bad another way
        line = io.StringIO()
        csv.writer(line, lineterminator="").writerow(cells)
        lines[index] = line.getvalue()
        bad.append(index + 1)
    return "\n".join(lines) + "\n", bad
