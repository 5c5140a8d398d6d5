"""The one-way rule that import-linter cannot say alone: flows read nothing of the ledger but ledger.types."""

import ast
from pathlib import Path

import pytest

FLOWS = Path(__file__).parents[2] / "flows"


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
    assert ledger_imports <= {"ledger.types"}, f"{path.name} reaches into the ledger: {ledger_imports}"


def test_the_rule_catches_a_forbidden_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from ledger import journal\nfrom ledger.types import Balance\n")
    assert imported_modules(sneaky) - {"ledger.types"} == {"ledger", "ledger.journal"}
