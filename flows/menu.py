"""The main menu of one child: home, where ``00`` leads."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import clip
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

# key, text, flow
ITEMS = (
    ("1", "menu_balance", "balance"),
    ("2", "menu_pay", "pay"),
    ("3", "menu_statement", "statement"),
    ("4", "menu_attendance", "attendance"),
    ("5", "menu_results", "results"),
    ("6", "menu_promise", "promise"),
    ("7", "menu_language", "language"),
    ("8", "menu_settings", "settings"),
)
_FLOW_BY_KEY = {key: flow for key, _, flow in ITEMS}


class MenuState(enum.Enum):
    MENU = "menu"


TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "open", "source": MenuState.MENU, "dest": None, "after": "open_item"},
]
MACHINE = build_machine("menu", MenuState, TRANSITIONS)


class MenuHop(Hop):
    def open_item(self) -> None:
        self.enter(_FLOW_BY_KEY[self.text])


def view(ctx: Turn, state: MenuState, at: Position) -> Screen:
    options = tuple(Option(key, ctx.t(label)) for key, label, _ in ITEMS)
    student = ctx.student()
    title = clip(student.name, 20) + (f" ({ctx.t('child_left')})" if student.left else "")
    return Screen(title, options)


FLOW = Flow(
    name="menu",
    states=MenuState,
    machine=MACHINE,
    hop=MenuHop,
    view=view,
    keys={MenuState.MENU: {key: "open" for key, _, _ in ITEMS}},
    typed={},
)
