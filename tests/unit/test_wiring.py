"""Explicit wiring in bot/: every dependency is passed in, none smuggled through a session factory's ``info``
or a ContextVar, and the M-Pesa desk imports none of the modules that take it (no cycle through it)."""

import ast
import re
from pathlib import Path

from tests.unit.test_no_cycles import cycles, graph

ROOT = Path(__file__).parents[2]
BOT = sorted(p for p in (ROOT / "bot").rglob("*.py") if "migrations" not in p.parts)
KW_INFO = re.compile(r"\.kw(\.get\(|\[)'info'")


def smuggling(path: Path) -> set[str]:
    """Lines of ``path`` that hide a dependency: a ContextVar, a session factory configured with ``info``, or
    its ``kw["info"]`` read back."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        if name == "ContextVar":
            found.add(f"{path.name}:{node.lineno} ContextVar")
        elif isinstance(node, ast.Call) and _configures_info(node):
            found.add(f"{path.name}:{node.lineno} info=")
        if isinstance(node, ast.Call | ast.Subscript) and KW_INFO.search(ast.unparse(node)):
            found.add(f"{path.name}:{node.lineno} kw info")
    return found


def _configures_info(call: ast.Call) -> bool:
    factory_call = ast.unparse(call.func).rpartition(".")[2] in {"configure", "sessionmaker"}
    return factory_call and any(keyword.arg == "info" for keyword in call.keywords)


# A log line's request id rides in a ContextVar (bot.logs): a label for logs and job meta, which nothing
# reads to decide anything, so no dependency hides there.
LABELS_ONLY = "logs.py"


def test_nothing_in_bot_is_smuggled_through_a_contextvar_or_a_session_factorys_info():
    found = [line for path in BOT for line in smuggling(path)]
    assert [
        line for line in found if not (line.startswith(LABELS_ONLY) and line.endswith("ContextVar"))
    ] == []


def test_the_check_finds_smuggling(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from contextvars import ContextVar\nHOP = ContextVar('hop')\n"
        "sessions.configure(info={'hook': f})\nhook = sessions.kw.get('info')\n"
    )
    assert len(smuggling(sneaky)) == 3


def test_no_cycle_runs_through_the_mpesa_desk():
    assert [cycle for cycle in cycles(graph()) if "bot.mpesa.desk" in cycle] == []
