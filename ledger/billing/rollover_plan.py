"""What a year-end rollover will do (or did): each class's move, each student's, next year's terms and fees.

A plan is plain data (ids, names, cents, dates), so the dry run prints it, applying carries it out as it is,
and the rollover's row keeps it as JSON for undo to reverse student by student.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.errors import LedgerError

WHOLE = 10_000  # basis points in 100%
_PERCENT = re.compile(r"\d{1,3}(\.\d{1,2})?%?")


class RolloverRefused(LedgerError):
    """A rollover (or its undo) that cannot be done as asked; the message says why in a bursar's words."""


@dataclass(frozen=True)
class ClassMove:
    class_id: int
    name: str
    target: str | None  # the class its students move up to; None: they graduate (leave)
    students: int  # active students moving
    new_class: bool  # the target class does not exist yet: applying creates it
    chosen: bool  # the school named this move; else it is the usual ladder's
    decided: bool = True  # False: a class off the usual ladders whose move nobody has named yet


@dataclass(frozen=True)
class StudentMove:
    student_id: int
    admission_no: str
    name: str
    from_class_id: int
    from_class: str
    to_class: str | None  # None: graduates


@dataclass(frozen=True)
class TermPlan:
    code: str
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date
    exists: bool  # already set (kept as it is); else created with the usual Kenyan dates


@dataclass(frozen=True)
class FeeCopy:
    term_code: str  # the new year's term
    class_id: int
    class_name: str
    vote_head_id: int
    vote_head: str
    before: int  # cents in the same term of the year before
    after: int  # cents from the new year on (the increase, rounded to whole shillings)
    optional: bool


@dataclass(frozen=True)
class RolloverPlan:
    school_id: int
    from_year: int
    to_year: int
    increase_bp: int  # fee increase in basis points (500 = 5%)
    graduation_day: dt.date  # the day graduates are recorded as having left: after the year's last term
    choices: tuple[tuple[str, str | None], ...]  # the moves the school named (None: graduates)
    classes: tuple[ClassMove, ...]
    students: tuple[StudentMove, ...]
    terms: tuple[TermPlan, ...]
    fees: tuple[FeeCopy, ...]
    fees_kept: tuple[str, ...]  # terms of the new year whose fees were already set: left as they are
    applied_on: dt.date | None = None  # the day it was applied, for the plan of a standing rollover

    @property
    def graduates(self) -> list[StudentMove]:
        return [move for move in self.students if move.to_class is None]

    @property
    def undecided(self) -> list[ClassMove]:
        return [move for move in self.classes if not move.decided]

    @property
    def new_classes(self) -> list[str]:
        names = {
            move.target.casefold(): move.target for move in self.classes if move.new_class and move.target
        }
        return sorted(names.values())

    def as_json(self) -> dict[str, Any]:
        """The plan as JSON-able data (dates as ISO text); ``from_json`` reads it back equal."""
        data: dict[str, Any] = _jsonable(dataclasses.asdict(dataclasses.replace(self, applied_on=None)))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RolloverPlan:
        day = dt.date.fromisoformat
        terms = tuple(
            TermPlan(t["code"], day(t["starts_on"]), day(t["ends_on"]), day(t["due_on"]), t["exists"])
            for t in data["terms"]
        )
        return cls(
            school_id=data["school_id"],
            from_year=data["from_year"],
            to_year=data["to_year"],
            increase_bp=data["increase_bp"],
            graduation_day=day(data["graduation_day"]),
            choices=tuple((name, target) for name, target in data["choices"]),
            classes=tuple(ClassMove(**move) for move in data["classes"]),
            students=tuple(StudentMove(**move) for move in data["students"]),
            terms=terms,
            fees=tuple(FeeCopy(**fee) for fee in data["fees"]),
            fees_kept=tuple(data["fees_kept"]),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_promotion(text: str) -> tuple[str, str]:
    """``"Grade 6=Grade 7"`` -> ``("Grade 6", "Grade 7")``, spaces tidied; RolloverRefused otherwise."""
    before, sep, after = text.partition("=")
    pair = " ".join(before.split()), " ".join(after.split())
    if not sep or not all(pair):
        raise RolloverRefused(f'--promote {text!r} should name a class and its next, e.g. "Grade 6=Grade 7"')
    return pair


def increase_basis_points(percent: Decimal | int | str) -> int:
    """``5`` or ``"7.5%"`` -> basis points (750); 0 to 100% with at most two decimals, never a float."""
    text = str(percent).strip()
    try:
        if not _PERCENT.fullmatch(text):
            raise InvalidOperation
        basis_points = int(Decimal(text.rstrip("%")) * 100)
    except InvalidOperation:
        raise RolloverRefused(f"fee increase {text!r} should be a percentage such as 5 or 7.5%") from None
    if basis_points > WHOLE:
        raise RolloverRefused(f"fee increase {text!r} is more than 100%")
    return basis_points


def increased(cents: int, basis_points: int) -> int:
    """A fee raised by ``basis_points``, rounded half-up to whole shillings (none: the fee as it was)."""
    if basis_points == 0:
        return cents
    scaled = cents * (WHOLE + basis_points)  # cents x 10,000
    return (scaled + 50 * WHOLE) // (100 * WHOLE) * 100
