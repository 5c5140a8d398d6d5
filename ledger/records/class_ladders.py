"""The Kenyan class ladders, for the year-end rollover: which class a class moves up to in January.

CBC: PP1, PP2, Grade 1 .. Grade 9 (junior school ends at Grade 9: on to Grade 10, senior school, only where
the school has it), Grade 10 .. 12. 8-4-4 secondary: Form 1 .. Form 4, then out. The old primary system:
Class (or Std, Standard) 1 .. 8, then out. Names match whatever their case, and a stream after the level
("Grade 6 East", "Form 2B") is kept: "Grade 6 East" moves to "Grade 7 East".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.errors import LedgerError

_LEVEL = re.compile(
    r"(?P<prefix>grade|form|class|std\.?|standard|pp)(?P<gap>\s*)(?P<number>\d{1,2})(?P<stream>\D.*)?",
    re.IGNORECASE,
)
# The last rung of each ladder (its students leave), and where junior school hands over to senior school.
_LAST = {"grade": 12, "form": 4, "class": 8, "std": 8, "standard": 8, "pp": 2}
_JUNIOR_END = 9


class NoUsualNext(LedgerError):
    """A class outside the usual ladders (e.g. "Kindergarten"): the school names its move itself."""


@dataclass(frozen=True)
class Rung:
    """A class name read as a ladder's level: "Grade 6 East" is ("Grade", " ", "grade", 6, " East")."""

    prefix: str  # as written
    gap: str  # between the prefix and the number, as written ("" in "PP1")
    ladder: str  # lower case, "std." read as "std"
    number: int
    stream: str  # whatever follows the number, as written ("" for none)


def read_rung(name: str) -> Rung | None:
    """The class's place on a ladder, or None for a name outside them."""
    match = _LEVEL.fullmatch(" ".join(name.split()))
    if match is None:
        return None
    ladder = match["prefix"].lower().rstrip(".")
    number = int(match["number"])
    if not 1 <= number <= _LAST[ladder]:
        return None
    return Rung(match["prefix"], match["gap"], ladder, number, match["stream"] or "")


def same_name(a: str, b: str) -> bool:
    """Class names are one name whatever their case and spacing ("grade  6" is "Grade 6")."""
    return name_key(a) == name_key(b)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def usual_next(name: str, classes: Iterable[str]) -> str | None:
    """The class ``name`` moves up to, spelt as the school already spells it when it has that class; None
    when its students leave (graduate). ``classes``: every class name of the school (it decides whether
    Grade 9 goes on to Grade 10). Raises NoUsualNext for a name outside the ladders."""
    rung = read_rung(name)
    if rung is None:
        raise NoUsualNext(f"{name!r} is not on the usual CBC or 8-4-4 ladder: say where it moves")
    names = list(classes)
    if rung.number == _LAST[rung.ladder] and rung.ladder != "pp":
        return None
    if rung.ladder == "grade" and rung.number == _JUNIOR_END and not _has_senior_school(names):
        return None
    if rung.ladder == "pp" and rung.number == 2:
        wanted = f"Grade 1{rung.stream}"
    else:
        wanted = f"{rung.prefix}{rung.gap}{rung.number + 1}{rung.stream}"
    return next((known for known in names if same_name(known, wanted)), " ".join(wanted.split()))


def _has_senior_school(names: list[str]) -> bool:
    rungs = [read_rung(name) for name in names]
    return any(r is not None and r.ladder == "grade" and r.number > _JUNIOR_END for r in rungs)


def ladder_order(name: str) -> tuple[int, int, str]:
    """A sort key putting classes in the order of the school year: PP, grades, classes, forms; then others."""
    rung = read_rung(name)
    if rung is None:
        return (9, 0, name_key(name))
    rank = {"pp": 0, "grade": 1, "class": 2, "std": 2, "standard": 2, "form": 3}[rung.ladder]
    return (rank, rung.number, name_key(name))
