"""Fee reminders on or off for this guardian (receipts keep coming either way)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict


class RemindersState(enum.Enum):
    SHOW = "show"


TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "toggle",
        "source": RemindersState.SHOW,
        "dest": None,
        "conditions": "has_guardian",
        "after": "flip",
    },
]
MACHINE = build_machine("reminders", RemindersState, TRANSITIONS)


class RemindersHop(Hop):
    def has_guardian(self) -> bool:
        return self.ctx.guardian() is not None or self.refuse("invalid")

    def flip(self) -> None:
        ctx = self.ctx
        guardian = ctx.guardian()
        on = not (guardian is not None and guardian.reminders_on)
        ctx.ports.directory.set_reminders(ctx.phone, ctx.school_id(), on)
        self.home(ctx.t("reminders_now_on" if on else "reminders_now_off"))


def view(ctx: Turn, state: RemindersState, at: Position) -> Screen:
    guardian = ctx.guardian()
    if guardian is None:
        return Screen(ctx.t("reminders_unavailable"))
    if guardian.reminders_on:
        return Screen(ctx.t("reminders_on"), (Option("1", ctx.t("turn_off")),))
    return Screen(ctx.t("reminders_off"), (Option("1", ctx.t("turn_on")),))


FLOW = Flow(
    name="reminders",
    states=RemindersState,
    machine=MACHINE,
    hop=RemindersHop,
    view=view,
    keys={RemindersState.SHOW: {"1": "toggle"}},
    typed={},
)
