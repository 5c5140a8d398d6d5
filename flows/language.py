"""Choose English or Kiswahili; remembered per guardian, and the very next screen is in the new language."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

CHOICES = {"1": ("en", "English"), "2": ("sw", "Kiswahili")}  # each named in its own language


class LanguageState(enum.Enum):
    CHOOSE = "choose"


TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "pick", "source": LanguageState.CHOOSE, "dest": None, "after": "switch"},
]
MACHINE = build_machine("language", LanguageState, TRANSITIONS)


class LanguageHop(Hop):
    def switch(self) -> None:
        ctx = self.ctx
        language = CHOICES[self.text][0]
        ctx.ports.directory.set_language(ctx.phone, ctx.school_id(), language)
        ctx.conversation.language = language
        self.home(ctx.t("language_set"))


def view(ctx: Turn, state: LanguageState, at: Position) -> Screen:
    return Screen(ctx.t("language_ask"), tuple(Option(key, name) for key, (_, name) in CHOICES.items()))


FLOW = Flow(
    name="language",
    states=LanguageState,
    machine=MACHINE,
    hop=LanguageHop,
    view=view,
    keys={LanguageState.CHOOSE: {key: "pick" for key in CHOICES}},
    typed={},
)
