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


def test_policy_and_consent_are_set_and_shown(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    shown = kilimani("privacy", "policy", "--school", "kilimani")
    assert shown.exit_code == 0, shown.output
    assert (
        "ussd_days 90, message_days 365, delivery_days 365, audit_days 2555, require_consent False"
        in shown.output
    )
    changed = kilimani("privacy", "policy", "--school", "kilimani", "--ussd-days", "30", "--require-consent")
    assert "ussd_days 30" in changed.output and "require_consent True" in changed.output
    assert "--ussd-days" in one_line_refusal(
        kilimani("privacy", "policy", "--school", "kilimani", "--ussd-days", "0"), code=2
    )

    assert (
        kilimani("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "kilimani").exit_code
        == 0
    )
    given = kilimani(
        "privacy", "consent", "--school", "kilimani", "--phone", "0712345678", "--given", "--via", "Paper"
    )
    assert given.exit_code == 0 and "given (via paper)" in given.output
    exported = json.loads(kilimani("privacy", "export", "--phone", "0712345678").output)
    assert exported["guardians"][0]["consent_to_announcements"]["channel"] == "paper"
    nobody = kilimani(
        "privacy", "consent", "--school", "kilimani", "--phone", "0799000000", "--withdrawn", "--via", "sms"
    )
    assert "no guardian" in one_line_refusal(nobody)
