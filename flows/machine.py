"""How a flow is put together: a ``transitions`` machine built once per flow at import, and a short-lived
model (a Hop) attached to it for one input.

The machine is shared by every conversation, so nothing per-parent lives on it: each hop adds its own model
with ``add_model(hop, initial=<current state>)``, fires one trigger and removes it again. Models are
distinct objects and the machine is not queued, so concurrent hops on different threads never meet.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transitions import Machine

from flows.context import Turn
from flows.conversation import Conversation, Position
from flows.screen import Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict


class Hop:
    """One input against one screen. Conditions and callbacks in the transition tables are its methods;
    what they decide is left on it for the engine to apply."""

    state: enum.Enum  # set by the machine while attached
    trigger: Callable[..., bool]  # bound by the machine while attached

    def __init__(self, ctx: Turn, text: str, at: Position) -> None:
        self.ctx = ctx
        self.text = text
        self.item = at.item
        self.cursor = at.cursor
        self.hint: str | None = None  # why the input was refused, in the parent's language
        self.goto: Position | None = None  # the first screen of another flow
        self.notice: str | None = None  # back to the main menu, saying this
        self.ending: Screen | None = None  # the session ends with this screen
        self.restart = False  # the conversation starts afresh
        self.resumed: Conversation | None = None  # a dropped conversation taken up again

    def refuse(self, key: str, **values: object) -> bool:
        """A condition's answer when the input is not acceptable: the screen repeats with this hint."""
        self.hint = self.ctx.t(key, **values)
        return False

    def enter(self, flow: str) -> None:
        self.goto = Position(flow)

    def home(self, notice: str) -> None:
        self.notice = notice

    def end(self, text: str) -> None:
        self.ending = Screen(text, end=True)


View = Callable[[Turn, Any, Position], Screen]


@dataclass(frozen=True)
class Flow:
    """A flow's machine, its model class, its screens, and which input fires which trigger in each state."""

    name: str
    states: type[enum.Enum]
    machine: Machine
    hop: type[Hop]
    view: View  # (context, state, position) -> the screen, without navigation keys
    keys: Mapping[Any, Mapping[str, str]]  # state -> {key typed: trigger}
    typed: Mapping[Any, str]  # state -> the trigger that takes any other input (an amount, a list choice)

    def state(self, value: str) -> enum.Enum:
        """The state named by a stored position ("" is the first); ValueError when it no longer exists."""
        return self.states(value) if value else next(iter(self.states))

    def trigger_for(self, state: enum.Enum, text: str) -> str | None:
        return self.keys.get(state, {}).get(text) or self.typed.get(state)

    def fire(self, hop: Hop, state: enum.Enum, trigger: str) -> bool:
        """Run one trigger for one hop on the shared machine; False when the input was refused."""
        self.machine.add_model(hop, initial=state)
        try:
            return bool(hop.trigger(trigger))
        finally:
            self.machine.remove_model(hop)


def build_machine(name: str, states: type[enum.Enum], transitions: Sequence[TransitionConfigDict]) -> Machine:
    """The flow's one machine: Enum states, a transition table, no ``to_<state>`` shortcuts, no models."""
    return Machine(
        model=None,
        states=states,
        transitions=list(transitions),
        initial=next(iter(states)),
        auto_transitions=False,
        ignore_invalid_triggers=True,
        name=name,
    )
