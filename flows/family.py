"""A phone's children in every school at once, and the language to answer in: what a keyword is about.

USSD picks one school and one child before anything else; a text message names a child by admission
number, or speaks of them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flows.context import Turn
from flows.conversation import Conversation
from flows.formatting import clip
from flows.gsm import plain
from flows.ports import Ports
from flows.texts import language_or_default, text
from ledger.admission import admission_key
from ledger.types import StudentRef


@dataclass(frozen=True)
class Family:
    """Every child of one phone, school by school, in the order the directory gives them."""

    phone: str
    ports: Ports
    language: str  # of this reply
    school_ids: tuple[int, ...]
    children: tuple[StudentRef, ...]

    @classmethod
    def find(cls, phone: str, ports: Ports, language: str | None) -> Family | None:
        """The phone's family, answered in ``language`` (None: the guardian's stored language); None when
        the phone is no guardian of any child."""
        directory = ports.directory
        schools = directory.schools_for(phone)
        children = tuple(child for s in schools for child in directory.children(phone, s.id))
        if not children:
            return None
        guardians = (directory.guardian(phone, s.id) for s in schools)
        stored = next((g.language for g in guardians if g is not None), "en")
        school_ids = tuple(s.id for s in schools)
        return cls(phone, ports, language_or_default(language or stored), school_ids, children)

    def t(self, key: str, **values: object) -> str:
        return text(self.language, key, **values)

    def word(self, action: str) -> str:
        """The keyword for ``action`` in the reply's language (``BAL``, ``SALIO``)."""
        return self.t(f"kw_word_{action}")

    def context(self, child: StudentRef) -> Turn:
        """A context on this child, as if chosen from the USSD menus, so the flows' own views can be used."""
        conversation = Conversation(phone=self.phone, language=self.language, school_id=child.school_id)
        conversation.choose_child(child)
        return Turn(conversation, self.ports)

    def matching(self, words: Sequence[str]) -> tuple[StudentRef, ...]:
        """The children whose admission number the words spell (split by spaces or not)."""
        wanted = admission_key("".join(words))
        return tuple(c for c in self.children if wanted and admission_key(c.admission_no) == wanted)

    def choices(self, command: Callable[[StudentRef], str]) -> list[str]:
        """One line per child with the exact message to send about them: ``Amina Wanjiku: BAL 1001``."""
        return [f"{clip(child.name, 24)}: {command(child)}" for child in self.children]


def label(child: StudentRef) -> str:
    """``Amina Wanjiku (1001)``: the heading of a child's block in a reply."""
    return f"{clip(child.name, 24)} ({clip(child.admission_no, 20)})"


def adm(child: StudentRef) -> str:
    """The admission number as the parent should type it back."""
    return plain(child.admission_no)
