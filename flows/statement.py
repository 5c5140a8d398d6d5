"""A short statement: the latest entries three at a time, newest page first, ``98`` for older ones.

A payment's line carries its official receipt number (``12 Mar Payment -2,000 KJA-2026-000123``), as does
the reversal that cancels it. Such lines are long, so a page shows only as many of the newest entries it
read as fit one USSD screen with the navigation below; ``98`` then continues from the oldest one shown.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import balance_line, clip, short_date
from flows.gsm import gsm7_length
from flows.machine import Flow, Hop, build_machine
from flows.screen import MAX_LENGTH, Option, Screen
from ledger.money import kes
from ledger.types import LATE_FEE_HEAD, Statement, StatementLine

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

PAGE = 3
KINDS = frozenset(
    {
        "invoice",
        "payment",
        "suspense_allocation",
        "bursary",
        "discount",
        "sibling_discount",
        "early_discount",
        "late_fee",
        "opening_balance",
        "reversal",
        "charge",
        "refund",
        "credit_transfer",
    }
)


class StatementState(enum.Enum):
    SHOW = "show"  # cursor: the ``before`` entry id of the page shown (None: the latest page)


TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "more",
        "source": StatementState.SHOW,
        "dest": None,
        "conditions": "page_full",
        "after": "older",
    },
]
MACHINE = build_machine("statement", StatementState, TRANSITIONS)


def read(ctx: Turn, before: int | None) -> Statement:
    return ctx.ports.directory.statement(ctx.phone, ctx.student_id(), before=before, limit=PAGE)


class StatementHop(Hop):
    @cached_property
    def statement(self) -> Statement:
        return read(self.ctx, self.cursor)

    def page_full(self) -> bool:
        return has_older(self.ctx, self.statement, self.cursor is None) or self.refuse("invalid")

    def older(self) -> None:
        self.cursor = shown(self.ctx, self.statement, self.cursor is None)[0].entry_id


def entry(ctx: Turn, line: StatementLine) -> str:
    """``12 Mar Fees 15,000`` or ``15 Mar Payment -5,000``."""
    what = ctx.t(f"kind_{line.kind}") if line.kind in KINDS else clip(line.description, 14)
    amount = (
        kes(line.charged, label=False) if line.charged or not line.paid else "-" + kes(line.paid, label=False)
    )
    receipt = f" {clip(line.receipt, 24)}" if line.receipt else ""
    return f"{short_date(line.on, ctx.language)} {what} {amount}{receipt}"


def head_name(ctx: Turn, vote_head: str, width: int) -> str:
    """A vote head as the parent reads it: Karo's own late-fee head in their language (whole), the
    school's own as named, cut to ``width``."""
    return ctx.t("kind_late_fee") if vote_head == LATE_FEE_HEAD else clip(vote_head, width)


def closing(ctx: Turn, statement: Statement, latest: bool) -> str:
    if latest:
        return balance_line(ctx.language, statement.closing)
    on = short_date(statement.lines[-1].on, ctx.language)
    return ctx.t("statement_then", date=on, amount=kes(statement.closing))


def page_text(ctx: Turn, statement: Statement, lines: Sequence[StatementLine], latest: bool) -> str:
    """The child's name, these entries, and the balance after the newest of them."""
    body = [entry(ctx, line) for line in lines]
    return "\n".join([clip(ctx.student().name, 20), *body, closing(ctx, statement, latest)])


def shown(ctx: Turn, statement: Statement, latest: bool) -> Sequence[StatementLine]:
    """The newest of the entries read that fit one screen with ``98``, ``0`` and ``00`` below and room
    for the hint above (at least one: the engine's last-resort clipping handles a longer entry)."""
    nav = tuple(Option(key, ctx.t(label)) for key, label in (("98", "more"), ("0", "back"), ("00", "home")))
    lines = statement.lines
    for count in range(len(lines), 1, -1):
        page = lines[-count:]
        text = "\n".join([ctx.t("invalid"), page_text(ctx, statement, page, latest)])
        if gsm7_length(Screen(text, nav).render()) <= MAX_LENGTH:
            return page
    return lines[-1:]


def has_older(ctx: Turn, statement: Statement, latest: bool) -> bool:
    """Whether ``98`` leads anywhere: entries read but not shown, or a full page (there may be more)."""
    return len(shown(ctx, statement, latest)) < len(statement.lines) or len(statement.lines) >= PAGE


def view(ctx: Turn, state: StatementState, at: Position) -> Screen:
    statement, latest = read(ctx, at.cursor), at.cursor is None
    if not statement.lines:
        empty = ctx.t("statement_empty" if latest else "statement_no_older")
        return Screen("\n".join([clip(ctx.student().name, 20), empty]))
    text = page_text(ctx, statement, shown(ctx, statement, latest), latest)
    more = (Option("98", ctx.t("more")),) if has_older(ctx, statement, latest) else ()
    return Screen(text, more)


FLOW = Flow(
    name="statement",
    states=StatementState,
    machine=MACHINE,
    hop=StatementHop,
    view=view,
    keys={StatementState.SHOW: {"98": "more"}},
    typed={},
)
