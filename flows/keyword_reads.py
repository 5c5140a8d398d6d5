"""BAL/SALIO, STMT, ATT/MAHUDHURIO and RES/MATOKEO: what a parent reads, for every child at once or one.

With an admission number (or an only child) the reply is that child's detail: the balance with its vote
heads, the latest five entries, the whole attendance summary, the latest exam with its subjects. Without
one, a parent of several children gets a short block per child (balance and due date, the latest two
entries, the share of days present, the latest exam's mean), as many as fit in two SMS; the admission
numbers of those left out close the reply, with how to ask about one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flows.attendance as attendance
import flows.balance as balance
import flows.results as results
import flows.statement as statement
from flows.conversation import Position
from flows.family import Family, adm, label
from flows.formatting import clip
from flows.pay import tap_to_pay
from flows.screen import Screen
from flows.segments import first_fitting, whole_lines
from ledger.money import kes
from ledger.types import Balance, StudentRef

STATEMENT_BRIEF, STATEMENT_DETAIL = 2, 5  # entries per child

Block = Callable[[StudentRef, bool], list[str]]  # (child, detail) -> the lines about them
Tail = Callable[[Sequence[StudentRef]], str | None]  # what closes a reply about these children


def answer(family: Family, action: str, args: Sequence[str], block: Block, tail: Tail | None = None) -> str:
    """The reply about the child the args name (all of them when none), within two SMS."""
    children = family.children
    if args:
        children = family.matching(args)
        if not children:
            return no_child(family, action, args)
    closing = tail(children) if tail else None
    if len(children) == 1:
        return whole_lines(block(children[0], True), closing)
    blocks = ["\n".join(block(child, False)) for child in children]

    def candidate(shown: int) -> str:
        rest = [adm(child) for child in children[shown:]]
        left_out = family.t("kw_not_shown", adms=", ".join(rest), keyword=family.word(action)) if rest else ""
        return "\n\n".join(part for part in (*blocks[:shown], left_out, closing) if part)

    return first_fitting(candidate(shown) for shown in range(len(blocks), 0, -1))


def no_child(family: Family, action: str, args: Sequence[str]) -> str:
    """An admission number that is none of this phone's children: the exact message for each child."""
    lines = [family.t("kw_no_child", adm=clip(" ".join(args), 20))]
    return "\n".join(lines + family.choices(lambda child: f"{family.word(action)} {adm(child)}"))


TAPS = 3  # reply buttons WhatsApp shows on a message sent inside the window without approval


def balance_reply(family: Family, args: Sequence[str]) -> Screen:
    read: dict[int, Balance] = {}

    def balance_of(child: StudentRef) -> Balance:
        if child.id not in read:
            read[child.id] = family.ports.directory.balance(family.phone, child.id)
        return read[child.id]

    def block(child: StudentRef, detail: bool) -> list[str]:
        owed = balance_of(child)
        lines = [label(child), *balance.summary(family.context(child), owed)]
        heads = balance.owing_heads(owed) if detail else []
        ctx = family.context(child)
        return lines + [
            f"{statement.head_name(ctx, head.vote_head, 24)} {kes(head.balance, label=False)}"
            for head in heads
        ]

    def pay_hint(children: Sequence[StudentRef]) -> str | None:
        if all(balance_of(child).total <= 0 for child in children):
            return None
        return family.t("kw_pay_hint" if len(family.children) == 1 else "kw_pay_hint_adm")

    reply = answer(family, "balance", args, block, pay_hint)
    answered = family.matching(args) if args else family.children
    several = len(answered) > 1
    taps = (tap_to_pay(family.context(child), named=several) for child in answered)
    return Screen(reply, tuple(tap for tap in taps if tap is not None)[:TAPS])


def statement_reply(family: Family, args: Sequence[str]) -> str:
    def block(child: StudentRef, detail: bool) -> list[str]:
        ctx = family.context(child)
        limit = STATEMENT_DETAIL if detail else STATEMENT_BRIEF
        entries = family.ports.directory.statement(family.phone, child.id, limit=limit)
        if not entries.lines:
            return [label(child), ctx.t("statement_empty")]
        lines = [statement.entry(ctx, line) for line in entries.lines]
        return [label(child), *lines, statement.closing(ctx, entries, latest=True)]

    return answer(family, "statement", args, block)


def attendance_reply(family: Family, args: Sequence[str]) -> str:
    def block(child: StudentRef, detail: bool) -> list[str]:
        ctx = family.context(child)
        record = family.ports.directory.attendance(family.phone, child.id)
        if record is None or not record.days_recorded:
            return [label(child), ctx.t("attendance_none")]
        lines = attendance.summary(ctx, record)
        brief = [lines[0], attendance.absences(ctx, record)]  # the rate, days absent (and excused)
        return [label(child), *(lines if detail else brief)]

    return answer(family, "attendance", args, block)


def results_reply(family: Family, args: Sequence[str]) -> str:
    def block(child: StudentRef, detail: bool) -> list[str]:
        ctx = family.context(child)
        exams = family.ports.directory.exams(family.phone, child.id)
        if not exams:
            return [label(child), ctx.t("results_none")]
        latest = results.exam_view(ctx, exams, Position("results")).text.split("\n")
        if not detail:
            return [label(child), *latest[:2]]  # the exam and its mean
        scores = [f"{clip(s.subject, 20)} {s.score} {clip(s.grade, 3)}" for s in exams[0].subjects]
        return [label(child), *latest, *scores]

    return answer(family, "results", args, block)
