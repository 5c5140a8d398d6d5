"""One money formatter for all of Karo (ledger.money.kes): its ways of writing cents; no copy."""

import ast
from pathlib import Path

import pytest

from ledger.money import kes

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("cents", "options", "expected"),
    [
        (150050, {}, "KES 1,500.50"),
        (150000, {}, "KES 1,500"),
        (-150000, {}, "KES -1,500"),
        (150000, {"always_cents": True}, "KES 1,500.00"),
        (-5, {"always_cents": True}, "KES -0.05"),
        (150000, {"label": False}, "1,500"),
        (1234567805, {"label": False}, "12,345,678.05"),
        (0, {"label": False}, "0"),
    ],
)
def test_kes_writes_cents_as_people_read_them(cents, options, expected):
    assert kes(cents, **options) == expected


def test_no_other_module_defines_its_own_money_formatter():
    copies = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for package in ("ledger", "flows", "bot")
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in {"kes", "money", "figure"}
    ]
    assert copies == ["ledger/money.py:kes"]
