"""`karo privacy export` and `karo privacy erase` as an operator runs them on a SQLite file: the export
names the guardian and their child, the erasure leaves the phone nowhere in an export, and bad input is
refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import STUDENTS, Karo, karo, kilimani, one_line_refusal, write  # noqa: F401


def test_export_then_erase_a_guardian_by_phone(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    imported = kilimani("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "kilimani")
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "mary.json"
    exported = kilimani("privacy", "export", "--phone", "0712 345 678", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["phone"] == "+254712345678"
    [mary] = document["guardians"]
    assert (mary["name"], mary["school"], mary["children"][0]["admission_no"]) == (
        "Mary Kamau",
        "kilimani",
        "2101",
    )

    erased = kilimani("privacy", "erase", "--school", "kilimani", "--phone", "+254712345678",
                      "--reason", "written request of 1 Dec")  # fmt: skip
    assert erased.exit_code == 0, erased.output
    assert "erased 1 guardian row(s)" in erased.output
    after = kilimani("privacy", "export", "--phone", "0712345678")
    assert json.loads(after.output)["guardians"] == []

    again = kilimani("privacy", "erase", "--school", "kilimani", "--phone", "0712345678", "--reason", "x")
    assert "no guardian of this school" in one_line_refusal(again)
    bad = kilimani("privacy", "export", "--phone", "12")
    assert "--phone" in one_line_refusal(bad, code=1)
