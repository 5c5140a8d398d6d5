"""The one-way rule that import-linter cannot say alone: flows read nothing of the ledger but ledger.types
and the ledger's pure text rules (how admission numbers match, how SMS parts are counted), which must be one
copy for the books and the conversations alike, and which import nothing but the standard library."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FLOWS = ROOT / "flows"
# Deliberate exceptions: stdlib-only modules (checked below), so flows still never touch the database.
# ledger.money: a parent's screen and the receipt SMS the books write must show the same cents the same way.
READABLE = {"ledger.types", "ledger.admission", "ledger.sms_parts", "ledger.money"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names if node.module == "ledger"}
    return names


@pytest.mark.parametrize("path", sorted(FLOWS.rglob("*.py")), ids=lambda p: p.name)
def test_flows_import_only_ledger_types(path):
    ledger_imports = {m for m in imported_modules(path) if m == "ledger" or m.startswith("ledger.")}
    assert ledger_imports <= READABLE, f"{path.name} reaches into the ledger: {ledger_imports}"


@pytest.mark.parametrize("module", sorted(READABLE - {"ledger.types"}))
def test_what_flows_may_read_of_the_ledger_is_pure(module):
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    imported = {name.split(".")[0] for name in imported_modules(path)}
    assert imported <= {"__future__", "re", "unicodedata", "math"}, f"{module} imports {imported}"


def test_the_rule_catches_a_forbidden_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from ledger import journal\nfrom ledger.types import Balance\n")
    assert imported_modules(sneaky) - {"ledger.types"} == {"ledger", "ledger.journal"}
