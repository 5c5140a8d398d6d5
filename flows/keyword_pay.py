"""PAY/LIPA <amount> [admission no.]: an M-Pesa prompt for one child, asked for at once.

There is no confirm step as on USSD: the message itself, typed with the amount and the child's admission
number, is the confirmation (and M-Pesa asks for the PIN before any money moves). So the amount must be
a whole number of shillings (``5000``, ``5,000``, ``KES 5,000``, ``5k``: ``flows.free_words.amount``;
KES 10 to 250,000) and, for a parent of several children, the
admission number is required: without it, or with one that is none of theirs, the reply lists the exact
message to send for each child. What happens next is told in the pay flow's own words; a school without
a Daraja app gets no request, and the reply is its Paybill (as the USSD Pay screen shows it).
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.family import Family, adm
from flows.formatting import clip
from flows.free_words import amount
from flows.pay import MAX_CENTS, MIN_CENTS, outcome_text, paybill_text, stk_on
from flows.ports import PaymentRequest
from ledger.types import StudentRef

EXAMPLE = 5000  # shillings, in the hints


def pay_reply(family: Family, args: Sequence[str]) -> str:
    cents, used = amount(tuple(args))
    if cents is None:
        return family.t("kw_pay_how", example=example(family))
    if not MIN_CENTS <= cents <= MAX_CENTS:
        return family.t("kw_pay_range", example=example(family))
    child = which(family, cents, args[used:])
    if isinstance(child, str):
        return child
    ctx = family.context(child)
    if not stk_on(ctx):
        return paybill_text(ctx)
    outcome = family.ports.payments.request_payment(PaymentRequest(family.phone, child.id, cents))
    return outcome_text(ctx, outcome, cents)


def which(family: Family, cents: int, words: Sequence[str]) -> StudentRef | str:
    """The child the admission number names (an only child needs none), or the reply asking which."""
    if not words and len(family.children) == 1:
        return family.children[0]
    matched = family.matching(words)
    if len(matched) == 1:
        return matched[0]
    typed = clip(" ".join(words), 20)
    if matched:  # the same number in two schools: only the menus can tell them apart
        return family.t("kw_pay_ambiguous", adm=typed)
    heading = family.t("kw_no_child", adm=typed) if words else family.t("kw_which")
    word = family.word("pay")
    return "\n".join([heading, *family.choices(lambda child: f"{word} {cents // 100} {adm(child)}")])


def example(family: Family) -> str:
    """``PAY 5000``, with the first child's admission number when the phone has several children."""
    several = len(family.children) > 1
    return f"{family.word('pay')} {EXAMPLE}" + (f" {adm(family.children[0])}" if several else "")
