"""After a dropped session: continue where the parent left off, or start again."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Conversation, Position
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict


class ResumeState(enum.Enum):
    OFFER = "offer"


TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "carry_on",
        "source": ResumeState.OFFER,
        "dest": None,
        "conditions": "has_previous",
        "after": "take_up",
    },
    {"trigger": "begin_again", "source": ResumeState.OFFER, "dest": None, "after": "afresh"},
]
MACHINE = build_machine("resume", ResumeState, TRANSITIONS)


def offer(previous: Conversation) -> Conversation:
    """A conversation that asks whether to continue ``previous``, holding it until the answer."""
    return Conversation(
        phone=previous.phone,
        language=previous.language,
        school_id=previous.school_id,
        student_id=previous.student_id,
        student=previous.student,
        dialled_school_id=previous.dialled_school_id,
        at=Position("resume"),
        previous=previous.to_dict(),
    )


class ResumeHop(Hop):
    def has_previous(self) -> bool:
        return self.ctx.conversation.previous is not None or self.refuse("invalid")

    def take_up(self) -> None:
        assert self.ctx.conversation.previous is not None  # guarded by has_previous
        try:
            self.resumed = Conversation.from_dict(self.ctx.conversation.previous)
        except (KeyError, TypeError, ValueError):
            self.restart = True  # stored by an older release: nothing to continue

    def afresh(self) -> None:
        self.restart = True


def view(ctx: Turn, state: ResumeState, at: Position) -> Screen:
    options = (Option("1", ctx.t("resume_continue")), Option("2", ctx.t("resume_restart")))
    return Screen(ctx.t("resume_ask"), options)


FLOW = Flow(
    name="resume",
    states=ResumeState,
    machine=MACHINE,
    hop=ResumeHop,
    view=view,
    keys={ResumeState.OFFER: {"1": "carry_on", "2": "begin_again"}},
    typed={},
)
