"""Where a parent is in a conversation: small enough to store as JSON between hops."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from ledger.types import StudentRef

FORMAT = 1  # bump when the stored shape changes; from_dict refuses other versions
MAX_BACK = 20  # deepest back-stack kept: the menus are shallow, so this only bounds a runaway


@dataclass(frozen=True)
class Position:
    """One screen: a flow, its state, and what the screen is about."""

    flow: str
    state: str = ""  # "" is the flow's first screen
    item: int = 0  # which one of a list the screen shows (an exam)
    cursor: int | None = None  # paging: an offset into a list, or the statement's ``before`` entry id

    def to_dict(self) -> dict[str, Any]:
        return {"flow": self.flow, "state": self.state, "item": self.item, "cursor": self.cursor}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Position:
        cursor = d.get("cursor")
        return cls(str(d["flow"]), str(d.get("state", "")), int(d.get("item", 0)), _opt_int(cursor))


@dataclass
class Conversation:
    """A parent's session: who they are, which child, which screen, and how they got there."""

    phone: str  # E.164
    language: str = "en"
    school_id: int | None = None
    student_id: int | None = None
    dialled_school_id: int | None = None  # the school whose own USSD code was dialled (or number written to)
    at: Position = Position("identify")
    back: list[Position] = field(default_factory=list)  # screens ``0`` returns to, latest last
    home_back: list[Position] = field(default_factory=list)  # the back-stack under the main menu
    amount: int | None = None  # the payment being prepared, in cents
    ended: bool = False
    previous: dict[str, Any] | None = None  # a dropped conversation offered for resuming
    # The chosen child as this phone's children list showed it, kept so that a hop need not read the
    # list again; every read about the child still checks that the phone is its guardian.
    student: StudentRef | None = None

    def choose_child(self, child: StudentRef | None) -> None:
        """Talk about ``child`` from now on (None: no child chosen yet)."""
        self.student_id = child.id if child is not None else None
        self.student = child

    def kept_child(self) -> StudentRef | None:
        """The kept child, if it is still the chosen one (``student_id`` may have been set alone)."""
        kept = self.student
        if kept is None or kept.id != self.student_id or kept.school_id != self.school_id:
            return None
        return kept

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``Conversation.from_dict`` reads it back."""
        return {
            "format": FORMAT,
            "phone": self.phone,
            "language": self.language,
            "school_id": self.school_id,
            "student_id": self.student_id,
            "dialled_school_id": self.dialled_school_id,
            "at": self.at.to_dict(),
            "back": [p.to_dict() for p in self.back],
            "home_back": [p.to_dict() for p in self.home_back],
            "amount": self.amount,
            "ended": self.ended,
            "previous": copy.deepcopy(self.previous),
            "student": _child_to_dict(self.student),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Conversation:
        """The conversation stored by ``to_dict``. Raises ValueError on another format."""
        if d.get("format") != FORMAT:
            raise ValueError(f"unknown conversation format: {d.get('format')!r}")
        return cls(
            phone=str(d["phone"]),
            language=str(d["language"]),
            school_id=_opt_int(d.get("school_id")),
            student_id=_opt_int(d.get("student_id")),
            dialled_school_id=_opt_int(d.get("dialled_school_id")),
            at=Position.from_dict(d["at"]),
            back=[Position.from_dict(p) for p in d.get("back", [])],
            home_back=[Position.from_dict(p) for p in d.get("home_back", [])],
            amount=_opt_int(d.get("amount")),
            ended=bool(d.get("ended", False)),
            previous=dict(d["previous"]) if d.get("previous") else None,
            student=_child_from_dict(d.get("student")),  # absent when stored by an older release
        )

    def copy(self) -> Conversation:
        """An independent copy (positions are immutable, so the lists are copied shallowly)."""
        previous = copy.deepcopy(self.previous)
        return replace(self, back=list(self.back), home_back=list(self.home_back), previous=previous)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _child_to_dict(child: StudentRef | None) -> dict[str, Any] | None:
    if child is None:
        return None
    return {
        "id": child.id,
        "school_id": child.school_id,
        "admission_no": child.admission_no,
        "name": child.name,
        "class_name": child.class_name,
        "left": child.left,
    }


def _child_from_dict(d: dict[str, Any] | None) -> StudentRef | None:
    if d is None:
        return None
    return StudentRef(
        int(d["id"]),
        int(d["school_id"]),
        str(d["admission_no"]),
        str(d["name"]),
        str(d["class_name"]),
        left=bool(d.get("left", False)),
    )
