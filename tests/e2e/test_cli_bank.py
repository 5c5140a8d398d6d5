"""`karo import bank FILE --school S [--format NAME]`: deposits posted once, a bad layout refused."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import STUDENTS, Karo, karo, kilimani, one_line_refusal, write  # noqa: F401

STATEMENT = """\
date,reference,description,amount
2026-02-02,FT26033ABC,FEES 2101 WANJIKU,"15,000.00"
2026-02-03,FT26034DEF,UNKNOWN DEPOSIT,500
2026-02-05,CHG0001,Ledger fee,-150.00
"""


def test_a_statement_is_posted_once_and_a_bad_layout_is_one_line(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    assert (
        kilimani("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "kilimani").exit_code
        == 0
    )
    path = write(tmp_path, "statement.csv", STATEMENT)
    first = kilimani("import", "bank", path, "--school", "kilimani", "--format", "generic")
    assert first.exit_code == 0, first.output
    assert "3 bank rows: 2 created, 0 updated, 1 unchanged" in first.output
    again = kilimani("import", "bank", path, "--school", "kilimani")
    assert "3 bank rows: 0 created, 0 updated, 3 unchanged" in again.output
    refused = one_line_refusal(kilimani("import", "bank", path, "--school", "kilimani", "--format", "hsbc"))
    assert "unknown bank layout 'hsbc'" in refused
