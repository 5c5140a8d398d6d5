"""Pay by M-Pesa: the full balance or another amount, a confirmation naming child, admission number, amount
and paying phone, then the request through the PaymentRequester port and a screen saying what happens next."""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import balance_line, clip, local_phone
from flows.gsm import plain
from flows.machine import Flow, Hop, build_machine
from flows.ports import PaymentOutcome, PaymentRequest
from flows.screen import Option, Screen
from ledger.money import kes

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

MIN_CENTS, MAX_CENTS = 10 * 100, 250_000 * 100  # whole shillings, as M-Pesa takes them
_DIGITS = re.compile(r"[0-9]{1,9}")


class PayState(enum.Enum):
    CHOOSE = "choose"
    ENTER = "enter"
    ABOVE = "above"  # the amount typed is more than the balance: continue?
    CONFIRM = "confirm"


P = PayState
TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "full",
        "source": P.CHOOSE,
        "dest": P.CONFIRM,
        "conditions": ["stk_on", "full_payable"],
        "before": "take_full",
    },
    {"trigger": "other", "source": P.CHOOSE, "dest": P.ENTER, "conditions": "stk_on"},
    {
        "trigger": "typed",
        "source": P.ENTER,
        "dest": P.ABOVE,
        "conditions": ["valid_amount", "above_balance"],
        "before": "take_typed",
    },
    {
        "trigger": "typed",
        "source": P.ENTER,
        "dest": P.CONFIRM,
        "conditions": "valid_amount",
        "before": "take_typed",
    },
    {"trigger": "accept", "source": P.ABOVE, "dest": P.CONFIRM},
    {"trigger": "change", "source": P.ABOVE, "dest": P.ENTER},
    {"trigger": "send", "source": P.CONFIRM, "dest": None, "conditions": "has_amount", "after": "request"},
    {"trigger": "drop", "source": P.CONFIRM, "dest": None, "after": "cancelled"},
]
MACHINE = build_machine("pay", PayState, TRANSITIONS)


def full_amount(ctx: Turn) -> int | None:
    """The whole balance in whole shillings (cents rounded up), when M-Pesa can take it in one payment."""
    total = ctx.balance().total
    whole = -(-total // 100) * 100
    return whole if MIN_CENTS <= whole <= MAX_CENTS else None


def typed_amount(text: str) -> int | None:
    return int(text) * 100 if _DIGITS.fullmatch(text) else None


def stk_on(ctx: Turn) -> bool:
    return ctx.ports.payments.stk_available(ctx.school_id())


def paybill_text(ctx: Turn) -> str:
    """How to pay without a prompt: the school's Paybill and the child's account, or to ask the school."""
    school, student = ctx.school(), ctx.student()
    if school is not None and school.paybill:
        return ctx.t("pay_paybill", paybill=clip(school.paybill, 10), adm=clip(student.admission_no, 20))
    return ctx.t("pay_no_paybill")


class PayHop(Hop):
    def stk_on(self) -> bool:
        """The prompt's screens are not offered where the school has no Daraja app (the Paybill shows)."""
        return stk_on(self.ctx)

    def full_payable(self) -> bool:
        return full_amount(self.ctx) is not None or self.refuse("invalid")

    def take_full(self) -> None:
        self.ctx.conversation.amount = full_amount(self.ctx)

    def valid_amount(self) -> bool:
        cents = typed_amount(self.text)
        if cents is None:
            return self.refuse("hint_digits")
        return MIN_CENTS <= cents <= MAX_CENTS or self.refuse("hint_range")

    def above_balance(self) -> bool:
        return (typed_amount(self.text) or 0) > self.ctx.balance().total

    def take_typed(self) -> None:
        self.ctx.conversation.amount = typed_amount(self.text)

    def has_amount(self) -> bool:
        return self.ctx.conversation.amount is not None or self.refuse("invalid")

    def request(self) -> None:
        ctx, amount = self.ctx, self.ctx.conversation.amount or 0
        ctx.conversation.amount = None
        outcome = ctx.ports.payments.request_payment(PaymentRequest(ctx.phone, ctx.student_id(), amount))
        self.end(outcome_text(ctx, outcome, amount))

    def cancelled(self) -> None:
        self.ctx.conversation.amount = None
        self.home(self.ctx.t("pay_cancelled"))


def outcome_text(ctx: Turn, outcome: PaymentOutcome, amount: int) -> str:
    """What happens next, in words: the prompt is coming, is already coming, or how else to pay."""
    phone, student = local_phone(ctx.phone), ctx.student()
    if outcome is PaymentOutcome.QUEUED:
        return ctx.t("pay_queued", phone=phone, amount=kes(amount), name=clip(student.name, 24))
    if outcome is PaymentOutcome.ALREADY_PENDING:
        return ctx.t("pay_pending", phone=phone)
    school = ctx.school()
    if school is not None and school.paybill:
        return ctx.t(
            "pay_unavailable_paybill", paybill=clip(school.paybill, 10), adm=clip(student.admission_no, 20)
        )
    return ctx.t("pay_unavailable")


def tap_to_pay(ctx: Turn, *, key: str = "", named: bool = False) -> Option | None:
    """A WhatsApp button that asks for the M-Pesa prompt for the whole balance at once: it sends the PAY
    keyword with the amount and admission number (``flows.keyword_pay``), so the tap is the confirmation, as
    the typed keyword is, and M-Pesa asks for the PIN before any money moves. Its title shows the amount
    (and the child's first name when ``named``). None when there is no prompt to ask for."""
    full = full_amount(ctx)
    if full is None or not stk_on(ctx):
        return None
    student = ctx.student()
    payload = f"{ctx.t('kw_word_pay')} {full // 100} {plain(student.admission_no)}"
    title = f"{ctx.t('pay_now')} {kes(full, label=False)}" + (f" {student.name.split()[0]}" if named else "")
    return Option(key, ctx.t("pay_now"), payload=payload, tap=clip(title, 20))


def choose_view(ctx: Turn) -> Screen:
    name = clip(ctx.student().name, 24)
    full = full_amount(ctx)
    options = (Option("1", ctx.t("pay_full", amount=kes(full))),) if full is not None else ()
    lines = [ctx.t("pay_title", name=name), balance_line(ctx.language, ctx.balance().total)]
    return Screen("\n".join(lines), options + (Option("2", ctx.t("pay_other")),))


def view(ctx: Turn, state: PayState, at: Position) -> Screen:
    amount = ctx.conversation.amount
    if state is P.ENTER:
        return Screen(ctx.t("pay_enter"))
    if not stk_on(ctx):
        lines = [ctx.t("pay_title", name=clip(ctx.student().name, 24)), paybill_text(ctx)]
        return Screen("\n".join(lines))
    if state is P.CHOOSE or amount is None:
        return choose_view(ctx)
    if state is P.ABOVE:
        balance = kes(max(ctx.balance().total, 0))
        options = (Option("1", ctx.t("yes")), Option("2", ctx.t("pay_change")))
        return Screen(ctx.t("pay_above", amount=kes(amount), balance=balance), options)
    student = ctx.student()
    question = ctx.t(
        "pay_confirm",
        amount=kes(amount),
        name=clip(student.name, 24),
        adm=clip(student.admission_no, 20),
        phone=local_phone(ctx.phone),
    )
    return Screen(question, (Option("1", ctx.t("confirm")), Option("2", ctx.t("cancel"))))


FLOW = Flow(
    name="pay",
    states=PayState,
    machine=MACHINE,
    hop=PayHop,
    view=view,
    keys={
        P.CHOOSE: {"1": "full", "2": "other"},
        P.ABOVE: {"1": "accept", "2": "change"},
        P.CONFIRM: {"1": "send", "2": "drop"},
    },
    typed={P.ENTER: "typed"},
)
