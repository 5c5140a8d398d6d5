"""A child's fee balance: the total (or the credit), the due date, and what is owed per vote head."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import balance_line, long_date
from flows.machine import Flow, Hop, build_machine
from flows.paging import page
from flows.pay import tap_to_pay
from flows.screen import Option, Screen
from flows.statement import head_name
from ledger.money import kes
from ledger.types import Balance, VoteHeadBalance

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

PAGE = 3  # vote heads per screen


class BalanceState(enum.Enum):
    SHOW = "show"


TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "pay", "source": BalanceState.SHOW, "dest": None, "after": "open_pay"},
    {"trigger": "more", "source": BalanceState.SHOW, "dest": None, "conditions": "has_more", "after": "turn"},
]
MACHINE = build_machine("balance", BalanceState, TRANSITIONS)


def owing_heads(balance: Balance) -> list[VoteHeadBalance]:
    return [head for head in balance.by_vote_head if head.balance]


class BalanceHop(Hop):
    def open_pay(self) -> None:
        self.enter("pay")

    def has_more(self) -> bool:
        return (self.cursor or 0) + PAGE < len(owing_heads(self.ctx.balance())) or self.refuse("invalid")

    def turn(self) -> None:
        self.cursor = (self.cursor or 0) + PAGE


def summary(ctx: Turn, balance: Balance) -> list[str]:
    """The total in words a parent reads at a glance, with the due date while something is owed."""
    if balance.total == 0:
        return [ctx.t("paid_up")]
    lines = [balance_line(ctx.language, balance.total)]
    if balance.total > 0 and balance.due_on is not None:
        lines.append(ctx.t("due", date=long_date(balance.due_on, ctx.language)))
    return lines


def view(ctx: Turn, state: BalanceState, at: Position) -> Screen:
    balance = ctx.balance()
    heads, more = page(owing_heads(balance), at.cursor or 0, PAGE)
    lines = summary(ctx, balance)
    lines += [f"{head_name(ctx, head.vote_head, 16)} {kes(head.balance, label=False)}" for head in heads]
    pay = tap_to_pay(ctx, key="1") or Option("1", ctx.t("pay_now"))  # a tap asks for the prompt at once
    options = (pay,) + ((Option("98", ctx.t("more")),) if more else ())
    return Screen("\n".join(lines), options)


FLOW = Flow(
    name="balance",
    states=BalanceState,
    machine=MACHINE,
    hop=BalanceHop,
    view=view,
    keys={BalanceState.SHOW: {"1": "pay", "98": "more"}},
    typed={},
)
