"""Promise to pay: a date within the current term, by a quick choice or typed as DDMM. Reminders pause
until then (the ledger side decides that; this flow records the promise through the port)."""

from __future__ import annotations

import datetime as dt
import enum
import re
from functools import cached_property
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import clip, long_date, short_date
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen
from ledger.money import kes
from ledger.types import TermRef

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

_DDMM = re.compile(r"[0-9]{4}")
SOON, LATER = 7, 14  # days ahead offered as quick choices


class PromiseState(enum.Enum):
    CHOOSE = "choose"
    ENTER = "enter"  # a date typed as DDMM


TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "quick",
        "source": PromiseState.CHOOSE,
        "dest": None,
        "conditions": ["can_promise", "known_quick"],
        "after": "promise_quick",
    },
    {
        "trigger": "other",
        "source": PromiseState.CHOOSE,
        "dest": PromiseState.ENTER,
        "conditions": "can_promise",
    },
    {
        "trigger": "typed",
        "source": PromiseState.ENTER,
        "dest": None,
        "conditions": ["can_promise", "valid_date"],
        "after": "promise_typed",
    },
]
MACHINE = build_machine("promise", PromiseState, TRANSITIONS)


def open_term(ctx: Turn) -> TermRef | None:
    """The current term, while a promise can still fall within it."""
    term = ctx.ports.directory.current_term(ctx.school_id())
    return term if term is not None and term.ends_on >= ctx.ports.clock.today() else None


def quick_dates(ctx: Turn, term: TermRef) -> dict[str, dt.date]:
    """Choices by key: in 7 days, in 14 days, the term's end when later; each only within the term."""
    today = ctx.ports.clock.today()
    soon, later = today + dt.timedelta(days=SOON), today + dt.timedelta(days=LATER)
    dates = {"1": soon, "2": later, "3": term.ends_on if term.ends_on > later else None}
    return {key: on for key, on in dates.items() if on is not None and on <= term.ends_on}


def parse_ddmm(text: str, today: dt.date, last: dt.date) -> dt.date | None:
    """DDMM as the next such day from today (or this year's, when it has passed); None when no such day."""
    if not _DDMM.fullmatch(text):
        return None
    day, month = int(text[:2]), int(text[2:])
    for year in range(today.year, max(last.year, today.year) + 1):
        try:
            on = dt.date(year, month, day)
        except ValueError:
            continue
        if on >= today or year >= last.year:
            return on
    return None


class PromiseHop(Hop):
    @cached_property
    def term(self) -> TermRef | None:
        return open_term(self.ctx)

    def can_promise(self) -> bool:
        return (self.term is not None and self.ctx.balance().total > 0) or self.refuse("invalid")

    def known_quick(self) -> bool:
        assert self.term is not None  # guarded by can_promise
        return self.text in quick_dates(self.ctx, self.term) or self.refuse("invalid")

    def promise_quick(self) -> None:
        assert self.term is not None
        self.promise(quick_dates(self.ctx, self.term)[self.text])

    def valid_date(self) -> bool:
        assert self.term is not None
        today = self.ctx.ports.clock.today()
        on = parse_ddmm(self.text, today, self.term.ends_on)
        if on is None:
            return self.refuse("hint_date")
        if on < today:
            return self.refuse("hint_past")
        if on > self.term.ends_on:
            return self.refuse("hint_after_term", date=short_date(self.term.ends_on, self.ctx.language))
        return True

    def promise_typed(self) -> None:
        assert self.term is not None
        on = parse_ddmm(self.text, self.ctx.ports.clock.today(), self.term.ends_on)
        assert on is not None  # guarded by valid_date
        self.promise(on)

    def promise(self, on: dt.date) -> None:
        ctx = self.ctx
        ctx.ports.directory.promise_to_pay(ctx.phone, ctx.student_id(), on)
        name = clip(ctx.student().name, 24)
        self.end(ctx.t("promise_done", date=long_date(on, ctx.language), name=name))


def choose_view(ctx: Turn, term: TermRef) -> Screen:
    labels = {"1": ("promise_in_days", SOON), "2": ("promise_in_days", LATER), "3": ("promise_term_end", 0)}
    options = []
    for key, on in quick_dates(ctx, term).items():
        label, days = labels[key]
        options.append(Option(key, ctx.t(label, days=days, date=short_date(on, ctx.language))))
    options.append(Option("4", ctx.t("promise_other")))
    return Screen(ctx.t("promise_ask", amount=kes(ctx.balance().total)), tuple(options))


def enter_view(ctx: Turn, term: TermRef) -> Screen:
    example = min(ctx.ports.clock.today() + dt.timedelta(days=SOON), term.ends_on)
    return Screen(
        ctx.t(
            "promise_enter",
            example=f"{example.day:02d}{example.month:02d}",
            example_date=short_date(example, ctx.language),
            last=short_date(term.ends_on, ctx.language),
        )
    )


def view(ctx: Turn, state: PromiseState, at: Position) -> Screen:
    if ctx.balance().total <= 0:
        return Screen(ctx.t("promise_nothing", name=clip(ctx.student().name, 24)))
    term = open_term(ctx)
    if term is None:
        return Screen(ctx.t("promise_no_term"))
    return enter_view(ctx, term) if state is PromiseState.ENTER else choose_view(ctx, term)


FLOW = Flow(
    name="promise",
    states=PromiseState,
    machine=MACHINE,
    hop=PromiseHop,
    view=view,
    keys={PromiseState.CHOOSE: {"1": "quick", "2": "quick", "3": "quick", "4": "other"}},
    typed={PromiseState.ENTER: "typed"},
)
