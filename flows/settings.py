"""Settings: fee reminders and announcements on or off, and the channel messages come by (receipts keep
coming either way). What is chosen here counts on every channel, and in the school the conversation is in."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.machine import Flow, Hop, build_machine
from flows.ports import ANNOUNCEMENTS, CHANNELS, REMINDERS
from flows.screen import Option, Screen

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

    from ledger.types import GuardianRef

CHANNEL_KEYS = {str(n): channel for n, channel in enumerate(CHANNELS, start=1)}  # 1 SMS, 2 WhatsApp, 3 email


class SettingsState(enum.Enum):
    SHOW = "show"
    CHANNEL = "channel"


# Each needs the phone to be a guardian in this school (a stale session may not be); email, an address.
TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "reminders",
        "source": SettingsState.SHOW,
        "dest": None,
        "conditions": "has_guardian",
        "after": "flip_reminders",
    },
    {
        "trigger": "announcements",
        "source": SettingsState.SHOW,
        "dest": None,
        "conditions": "has_guardian",
        "after": "flip_announcements",
    },
    {
        "trigger": "channels",
        "source": SettingsState.SHOW,
        "dest": SettingsState.CHANNEL,
        "conditions": "has_guardian",
    },
    {
        "trigger": "choose",
        "source": SettingsState.CHANNEL,
        "dest": None,
        "conditions": ["has_guardian", "reachable"],
        "after": "switch_channel",
    },
]
MACHINE = build_machine("settings", SettingsState, TRANSITIONS)


class SettingsHop(Hop):
    def has_guardian(self) -> bool:
        return self.ctx.guardian() is not None or self.refuse("invalid")

    def reachable(self) -> bool:
        """Email only with an address on file: else the choice repeats, saying why, the channel unchanged."""
        return CHANNEL_KEYS[self.text] != "email" or _guardian(self.ctx).has_email or self.refuse("no_email")

    def flip_reminders(self) -> None:
        on = not _guardian(self.ctx).reminders_on
        self._set(REMINDERS, on, "reminders_now_on" if on else "reminders_now_off")

    def flip_announcements(self) -> None:
        on = not _guardian(self.ctx).announcements_on
        self._set(ANNOUNCEMENTS, on, "announcements_now_on" if on else "announcements_now_off")

    def _set(self, category: str, on: bool, notice: str) -> None:
        ctx = self.ctx
        ctx.ports.directory.set_wanted(ctx.phone, ctx.school_id(), category, on)
        self.home(ctx.t(notice))

    def switch_channel(self) -> None:
        ctx = self.ctx
        channel = CHANNEL_KEYS[self.text]
        if ctx.ports.directory.set_channel(ctx.phone, ctx.school_id(), channel):
            self.home(ctx.t("channel_set", channel=ctx.t(f"channel_{channel}")))
        else:  # the address was removed since the screen was read
            self.home(ctx.t("no_email"))


def _guardian(ctx: Turn) -> GuardianRef:
    guardian = ctx.guardian()
    assert guardian is not None  # the transitions' condition
    return guardian


def view(ctx: Turn, state: SettingsState, at: Position) -> Screen:
    guardian = ctx.guardian()
    if guardian is None:
        return Screen(ctx.t("reminders_unavailable"))
    if state is SettingsState.CHANNEL:
        names = (Option(key, ctx.t(f"channel_{channel}")) for key, channel in CHANNEL_KEYS.items())
        return Screen(ctx.t("channel_ask"), tuple(names))
    title = ctx.t(
        "settings_show",
        reminders=ctx.t(f"reminders_state_{'on' if guardian.reminders_on else 'off'}"),
        announcements=ctx.t(f"announcements_state_{'on' if guardian.announcements_on else 'off'}"),
        channel=ctx.t(f"channel_{guardian.channel}"),
    )
    options = (
        Option("1", ctx.t("reminders_turn_off" if guardian.reminders_on else "reminders_turn_on")),
        Option(
            "2", ctx.t("announcements_turn_off" if guardian.announcements_on else "announcements_turn_on")
        ),
        Option("3", ctx.t("channel_change")),
    )
    return Screen(title, options)


FLOW = Flow(
    name="settings",
    states=SettingsState,
    machine=MACHINE,
    hop=SettingsHop,
    view=view,
    keys={
        SettingsState.SHOW: {"1": "reminders", "2": "announcements", "3": "channels"},
        SettingsState.CHANNEL: {key: "choose" for key in CHANNEL_KEYS},
    },
    typed={},
)
