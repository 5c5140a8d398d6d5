"""What one hop knows: the conversation, the ports, and the records it has read so far (read once per hop)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.conversation import Conversation
from flows.ports import ChildGone, Ports
from flows.texts import text
from ledger.types import Balance, GuardianRef, SchoolRef, StudentRef

__all__ = ["ChildGone", "Turn"]


@dataclass
class Turn:
    conversation: Conversation
    ports: Ports
    _balance: Balance | None = field(default=None, repr=False)

    @property
    def language(self) -> str:
        return self.conversation.language

    @property
    def phone(self) -> str:
        return self.conversation.phone

    def t(self, key: str, **values: object) -> str:
        """The text ``key`` in the parent's language."""
        return text(self.language, key, **values)

    def school_id(self) -> int:
        if self.conversation.school_id is None:
            raise ChildGone("no school chosen")
        return self.conversation.school_id

    def student_id(self) -> int:
        """The chosen child's id, once checked to be this phone's child in this school."""
        return self.student().id

    def student(self) -> StudentRef:
        """The chosen child, as kept with the conversation; found in the phone's children list (once per
        conversation) when it was not kept. Needs no read, because every read about the child checks
        the phone is its guardian (the ports raise ChildGone otherwise)."""
        kept = self.conversation.kept_child()
        if kept is not None:
            return kept
        wanted = self.conversation.student_id
        if wanted is None:
            raise ChildGone("no child chosen")
        found = [s for s in self.children(self.school_id()) if s.id == wanted]
        if not found:
            raise ChildGone(f"student {wanted} is not a child of this phone")
        self.conversation.choose_child(found[0])
        return found[0]

    def children(self, school_id: int) -> list[StudentRef]:
        return self.ports.directory.children(self.phone, school_id)

    def schools(self) -> list[SchoolRef]:
        return self.ports.directory.schools_for(self.phone)

    def school(self) -> SchoolRef | None:
        wanted = self.conversation.school_id
        return next((s for s in self.schools() if s.id == wanted), None)

    def guardian(self) -> GuardianRef | None:
        return self.ports.directory.guardian(self.phone, self.school_id())

    def balance(self) -> Balance:
        if self._balance is None:
            self._balance = self.ports.directory.balance(self.phone, self.student_id())
        return self._balance
