"""Nothing in the ledger or the flows is defined and then never named again: a function nobody calls is a
rule a reader must check for nothing (two were left in the promises and the reversals)."""

import ast
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parents[2]
READERS = ("ledger", "flows", "bot", "providers", "tests", "scripts", "bench")


def word_counts() -> Counter[str]:
    paths = [p for folder in READERS if (ROOT / folder).exists() for p in (ROOT / folder).rglob("*.py")]
    paths += list((ROOT / "bot").rglob("*.html"))
    return Counter(word for p in paths for word in re.findall(r"\w+", p.read_text()))


def top_level_names(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return [name for name in names if not name.startswith("__")]


def test_every_top_level_name_in_the_ledger_and_flows_is_used_somewhere():
    counts = word_counts()
    unused = [
        f"{path.relative_to(ROOT)}:{name}"
        for package in ("ledger", "flows")
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in top_level_names(path)
        if counts[name] <= 1
    ]
    assert unused == []
