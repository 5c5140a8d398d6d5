"""One Nairobi clock (ledger.clock): the school day a moment falls on, and no second copy of the zone."""

import ast
import datetime as dt
from pathlib import Path

from ledger.clock import NAIROBI, school_day

ROOT = Path(__file__).parents[2]
# providers may not import the ledger (import-linter), so Daraja's timestamp rules keep their own zone.
PROVIDERS_OWN = {"providers/daraja_fields.py", "providers/simulators/daraja_core.py"}


def test_a_payment_late_in_the_evening_utc_falls_on_the_next_school_day():
    late = dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC)
    assert school_day(late) == dt.date(2026, 4, 1)
    assert late.astimezone(NAIROBI).hour == 0


def test_nairobi_is_defined_once_outside_the_providers():
    homes = {
        str(path.relative_to(ROOT))
        for package in ("ledger", "flows", "bot", "providers")
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "NAIROBI" for t in node.targets)
    }
    assert homes == {"ledger/clock.py", *PROVIDERS_OWN}
