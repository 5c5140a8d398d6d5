"""Where a parent is in a conversation: small enough to store as JSON between hops."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

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
    dialled_school_id: int | None = None  # the school whose own USSD code was dialled
    at: Position = Position("identify")
    back: list[Position] = field(default_factory=list)  # screens ``0`` returns to, latest last
    home_back: list[Position] = field(default_factory=list)  # the back-stack under the main menu
    amount: int | None = None  # the payment being prepared, in cents
    ended: bool = False
    previous: dict[str, Any] | None = None  # a dropped conversation offered for resuming

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
        )

    def copy(self) -> Conversation:
        """An independent copy (positions are immutable, so the lists are copied shallowly)."""
        previous = copy.deepcopy(self.previous)
        return replace(self, back=list(self.back), home_back=list(self.home_back), previous=previous)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
