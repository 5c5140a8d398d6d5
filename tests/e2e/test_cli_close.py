"""`karo close --school S [--day D]`: the day's close as text; bad input refused in one line."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import Karo, karo, kilimani, one_line_refusal, write  # noqa: F401
from tests.e2e.test_cli_export import books


def test_the_close_prints_the_days_methods_receipts_and_suspense(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)  # bank lines on 2 and 3 Feb 2026
    stray = "date,reference,description,amount\n2026-02-02,FT9,NO SUCH PUPIL,500\n"
    assert kilimani("import", "bank", write(tmp_path, "s.csv", stray), "--school", "kilimani").exit_code == 0
    done = kilimani("close", "--school", "kilimani", "--day", "2026-02-02")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "Kilimani Junior Academy: daily close for Mon 02 Feb 2026"
    assert any(line.split()[:2] == ["Bank", "2"] and line.endswith("KES 15,500.50") for line in lines)
    assert any(line.startswith("Total") and line.endswith("KES 15,500.50") for line in lines)
    # FT2 (3 Feb) took 000002 between the day's two receipts: first to last, with the count beside.
    assert "Receipts KIL-2026-000001 to KIL-2026-000003: 2\n" in done.output
    assert "KES 500.00 received this day still unmatched (1)" in done.output
    assert "Reversals: none" in done.output
    empty = kilimani("close", "--school", "kilimani", "--day", "2026-01-15")
    assert empty.exit_code == 0 and "Receipts: none issued." in empty.output


def test_bad_input_is_refused_in_one_line(kilimani: Karo) -> None:  # noqa: F811
    assert "--day: '2026-02-30'" in one_line_refusal(
        kilimani("close", "--school", "kilimani", "--day", "2026-02-30")
    )
    assert "has not come yet" in one_line_refusal(
        kilimani("close", "--school", "kilimani", "--day", "2099-01-01")
    )
    assert "no school with slug 'nowhere'" in one_line_refusal(kilimani("close", "--school", "nowhere"))
