"""A short statement: the latest entries three at a time, newest page first, ``98`` for older ones."""

from __future__ import annotations

import enum
from functools import cached_property
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import balance_line, clip, short_date
from flows.machine import Flow, Hop, build_machine
from flows.screen import Option, Screen
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
        return len(self.statement.lines) >= PAGE or self.refuse("invalid")

    def older(self) -> None:
        self.cursor = self.statement.lines[0].entry_id


def entry(ctx: Turn, line: StatementLine) -> str:
    """``12 Mar Fees 15,000`` or ``15 Mar Payment -5,000``."""
    what = ctx.t(f"kind_{line.kind}") if line.kind in KINDS else clip(line.description, 14)
    amount = (
        kes(line.charged, label=False) if line.charged or not line.paid else "-" + kes(line.paid, label=False)
    )
    return f"{short_date(line.on, ctx.language)} {what} {amount}"


def head_name(ctx: Turn, vote_head: str, width: int) -> str:
    """A vote head as the parent reads it: Karo's own late-fee head in their language (whole), the
    school's own as named, cut to ``width``."""
    return ctx.t("kind_late_fee") if vote_head == LATE_FEE_HEAD else clip(vote_head, width)


def closing(ctx: Turn, statement: Statement, latest: bool) -> str:
    if latest:
        return balance_line(ctx.language, statement.closing)
    on = short_date(statement.lines[-1].on, ctx.language)
    return ctx.t("statement_then", date=on, amount=kes(statement.closing))


def view(ctx: Turn, state: StatementState, at: Position) -> Screen:
    statement = read(ctx, at.cursor)
    lines = [clip(ctx.student().name, 20)]
    if not statement.lines:
        lines.append(ctx.t("statement_empty" if at.cursor is None else "statement_no_older"))
        return Screen("\n".join(lines))
    lines += [entry(ctx, line) for line in statement.lines]
    lines.append(closing(ctx, statement, at.cursor is None))
    more = (Option("98", ctx.t("more")),) if len(statement.lines) >= PAGE else ()
    return Screen("\n".join(lines), more)


FLOW = Flow(
    name="statement",
    states=StatementState,
    machine=MACHINE,
    hop=StatementHop,
    view=view,
    keys={StatementState.SHOW: {"98": "more"}},
    typed={},
)
