"""Who is asking about whom: the school (when the phone is a guardian in several) and the child (when
several), before the main menu. A phone that is no guardian gets nothing that names a student."""

from __future__ import annotations

import enum
from functools import cached_property
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Conversation, Position
from flows.formatting import clip
from flows.machine import Flow, Hop, build_machine
from flows.paging import chosen, numbered
from flows.ports import Ports
from flows.screen import Screen
from flows.texts import language_or_default
from ledger.types import GuardianRef, SchoolRef, StudentRef

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

PAGE = 5


class IdentifyState(enum.Enum):
    SCHOOL = "school"
    CHILD = "child"


S = IdentifyState
TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "more",
        "source": [S.SCHOOL, S.CHILD],
        "dest": None,
        "conditions": "has_more",
        "after": "turn",
    },
    {
        "trigger": "pick_school",
        "source": S.SCHOOL,
        "dest": S.CHILD,
        "conditions": ["known_school", "several_children"],
        "before": "keep_school",
    },
    {
        "trigger": "pick_school",
        "source": S.SCHOOL,
        "dest": None,
        "conditions": "known_school",
        "after": "keep_school",
    },
    {
        "trigger": "pick_child",
        "source": S.CHILD,
        "dest": None,
        "conditions": "known_child",
        "after": "keep_child",
    },
]
MACHINE = build_machine("identify", IdentifyState, TRANSITIONS)


def begin(phone: str, ports: Ports, school_id: int | None) -> Conversation | None:
    """A new conversation at its first screen, or None when this phone may see nothing."""
    directory = ports.directory
    guardian = directory.guardian(phone, school_id) if school_id is not None else None
    if school_id is not None:
        schools = [school_id] if guardian else []
    else:
        schools = [s.id for s in directory.schools_for(phone)]
    if not schools:
        return None
    conversation = Conversation(phone=phone, dialled_school_id=school_id)
    if len(schools) > 1:
        _speak_as_guardian(conversation, ports, schools[0])
        conversation.at = Position("identify", S.SCHOOL.value)
        return conversation
    children = directory.children(phone, schools[0])
    if not children:
        return None
    conversation.at = choose_school(conversation, ports, schools[0], children, guardian)
    return conversation


def choose_school(
    conversation: Conversation,
    ports: Ports,
    school_id: int,
    children: list[StudentRef],
    guardian: GuardianRef | None = None,
) -> Position:
    """Settle on a school and speak its guardian's language (``guardian``: already read this hop); next
    comes the child list, or the menu of an only child."""
    conversation.school_id = school_id
    conversation.choose_child(None)
    _speak_as_guardian(conversation, ports, school_id, guardian)
    if len(children) == 1:
        conversation.choose_child(children[0])
        return Position("menu")
    return Position("identify", S.CHILD.value)


def _speak_as_guardian(
    conversation: Conversation, ports: Ports, school_id: int, known: GuardianRef | None = None
) -> None:
    guardian = known or ports.directory.guardian(conversation.phone, school_id)
    if guardian is not None:
        conversation.language = language_or_default(guardian.language)


class IdentifyHop(Hop):
    @cached_property
    def schools(self) -> list[SchoolRef]:
        return self.ctx.schools()

    @cached_property
    def listed(self) -> list[int]:
        if self.state is S.SCHOOL:
            return [s.id for s in self.schools]
        return [c.id for c in self.listed_children]

    @cached_property
    def listed_children(self) -> list[StudentRef]:
        return self.ctx.children(self.ctx.school_id())

    def has_more(self) -> bool:
        return (self.cursor or 0) + PAGE < len(self.listed)

    def turn(self) -> None:
        self.cursor = (self.cursor or 0) + PAGE

    def known_school(self) -> bool:
        if chosen(self.text, len(self.schools)) is None or not self.school_children:
            return self.refuse("invalid")
        return True

    @cached_property
    def school(self) -> SchoolRef:
        index = chosen(self.text, len(self.schools))
        assert index is not None  # guarded by known_school
        return self.schools[index]

    @cached_property
    def school_children(self) -> list[StudentRef]:
        return self.ctx.children(self.school.id)

    def several_children(self) -> bool:
        return len(self.school_children) > 1

    def keep_school(self) -> None:
        following = choose_school(self.ctx.conversation, self.ctx.ports, self.school.id, self.school_children)
        self.cursor = None
        if following.flow == "menu":
            self.enter("menu")

    def known_child(self) -> bool:
        return chosen(self.text, len(self.listed)) is not None or self.refuse("invalid")

    def keep_child(self) -> None:
        index = chosen(self.text, len(self.listed))
        assert index is not None  # guarded by known_child
        self.ctx.conversation.choose_child(self.listed_children[index])
        self.enter("menu")


def view(ctx: Turn, state: IdentifyState, at: Position) -> Screen:
    more = ctx.t("more")
    if state is S.SCHOOL:
        labels = [clip(s.name, 26) for s in ctx.schools()]
        return Screen(ctx.t("choose_school"), numbered(labels, at.cursor or 0, PAGE, more))
    children = ctx.children(ctx.school_id())
    labels = [
        f"{clip(c.name, 20)}, {ctx.t('child_left') if c.left else clip(c.class_name, 10)}" for c in children
    ]
    return Screen(ctx.t("choose_child"), numbered(labels, at.cursor or 0, PAGE, more))


FLOW = Flow(
    name="identify",
    states=IdentifyState,
    machine=MACHINE,
    hop=IdentifyHop,
    view=view,
    keys={S.SCHOOL: {"98": "more"}, S.CHILD: {"98": "more"}},
    typed={S.SCHOOL: "pick_school", S.CHILD: "pick_child"},
)
