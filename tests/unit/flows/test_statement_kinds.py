"""Every kind of journal entry reads in the parent's own language on a phone statement, fee rules too."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.context import Turn
from flows.conversation import Conversation
from flows.statement import KINDS, entry
from ledger.types import StatementLine
from tests.unit.flows.fakes import world


@pytest.mark.parametrize(
    ("language", "kind", "memo", "shown"),
    [
        ("en", "late_fee", "Late fee 5% of KES 12,345.10 overdue", "27 Jan Late fee 617.26"),
        ("sw", "late_fee", "Late fee 5% of KES 12,345.10 overdue", "27 Jan Faini ya kuchelewa 617.26"),
        ("en", "discount", "Sibling discount 10% on Tuition", "27 Jan Discount -2,000"),
        ("sw", "discount", "Early payment discount 5% on term fees", "27 Jan Punguzo -2,000"),
        ("en", "sibling_discount", "Sibling discount 10% on Tuition", "27 Jan Sibling discount -2,000"),
        ("sw", "sibling_discount", "Sibling discount 10% on Tuition", "27 Jan Punguzo la ndugu -2,000"),
        ("en", "early_discount", "Early payment discount 5% on fees", "27 Jan Early payment discount -2,000"),
        ("sw", "early_discount", "Early discount 5%", "27 Jan Punguzo la kulipa mapema -2,000"),
    ],
)
def test_fee_rule_entries_read_in_the_parents_language(language, kind, memo, shown):
    ctx = Turn(Conversation("+254712345678", language=language), world(language).ports)
    late = kind == "late_fee"
    line = StatementLine(
        1, dt.date(2026, 1, 27), memo, kind, 617_26 if late else 0, 0 if late else 2_000_00, 0
    )
    assert entry(ctx, line) == shown


@pytest.mark.parametrize("language", ["en", "sw"])
def test_every_kind_has_a_word_in_both_languages(language):
    ctx = Turn(Conversation("+254712345678", language=language), world(language).ports)
    assert all(ctx.t(f"kind_{kind}") for kind in KINDS)
