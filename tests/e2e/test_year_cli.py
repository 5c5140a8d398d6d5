"""`karo year rollover` and `karo year undo` as a bursar uses them in January, on a SQLite file: the dry run
prints exactly what applying then does, applying again changes nothing, undo puts every student back, and
every refusal is one line. (The school's year is 2025, so the run does not depend on today's date.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e import test_cli
from tests.e2e.test_cli import Karo, one_line_refusal, write
from tests.e2e.test_cli_audit import audit_rows

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

STUDENTS = """admission_no,name,class,guardian_name,guardian_phone
3001,Akinyi Otieno,Grade 6 East,Mary Otieno,0712000001
3002,Baraka Mwangi,Grade 6 East,John Mwangi,0712000002
3003,Chebet Koech,Grade 9,Ruth Koech,0712000003
3004,Daudi Kariuki,Kindergarten,Ann Kariuki,0712000004
"""
FEES = "term,class,vote_head,amount\n" + "".join(
    f"2025-{n},Grade 6 East,Tuition,12345.50\n2025-{n},Grade 9,Tuition,20000\n" for n in (1, 2, 3)
)
ROLLOVER = ("year", "rollover", "--school", "kilimani", "--to", "2026")


def school_in_2025(kilimani: Karo, tmp_path: Path) -> Karo:
    for kind, text in (("students", STUDENTS), ("fees", FEES)):
        done = kilimani("import", kind, write(tmp_path, f"{kind}.csv", text), "--school", "kilimani")
        assert done.exit_code == 0, done.output
    assert kilimani("invoice", "--school", "kilimani", "--term", "2025-3").exit_code == 0
    return kilimani


def class_of(karo: Karo, adm: str) -> str:
    shown = karo("statement", "--school", "kilimani", "--student", adm)
    assert shown.exit_code == 0, shown.output
    return shown.output.splitlines()[0]


def test_the_dry_run_prints_what_applying_does_and_undo_takes_it_back(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_in_2025(kilimani, tmp_path)
    before = [class_of(karo, adm) for adm in ("3001", "3003", "3004")]
    choices = ("--promote", "Kindergarten=PP1", "--increase", "5")
    dry = karo(*ROLLOVER, *choices, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert [class_of(karo, adm) for adm in ("3001", "3003", "3004")] == before  # the dry run changed nothing
    lines = dry.output.splitlines()
    assert lines[0] == "Rollover to 2026 (from 2025):"
    assert "  Grade 6 East -> Grade 7 East (new class): 2 students" in lines
    assert "  Grade 9 -> graduates: 1 student" in lines
    assert "  2026-1 Grade 6 East Tuition: KES 12,345.50 -> KES 12,963" in lines  # 5% more, whole shillings
    assert "  3004 Daudi Kariuki: Kindergarten -> PP1" in lines
    assert lines[-1] == "Dry run: nothing changed."

    applied = karo(*ROLLOVER, *choices)
    assert applied.exit_code == 0, applied.output
    assert applied.output.splitlines()[:-1] == lines[:-1]
    assert class_of(karo, "3001").startswith("Akinyi Otieno (3001), Grade 7 East")
    assert "left on 2025-11-01 (graduated)" in class_of(karo, "3003")
    again = karo(*ROLLOVER, *choices)
    assert again.exit_code == 0, again.output
    assert re.fullmatch(
        r"kilimani already rolled over to 2026 on \d{4}-\d\d-\d\d: nothing changed\n", again.output
    )

    undone = karo("year", "undo", "--school", "kilimani", "--to", "2026")
    assert undone.output == "Undid the rollover of kilimani to 2026: 4 students back in their classes\n"
    assert [class_of(karo, adm) for adm in ("3001", "3003", "3004")] == before
    assert [row.action for row in audit_rows() if row.action.startswith("year.")] == [
        "year.rollover",
        "year.rollover.undo",
    ]
    assert "no rollover to 2026 stands" in one_line_refusal(
        karo("year", "undo", "--school", "kilimani", "--to", "2026")
    )


def test_bad_asks_are_refused_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_in_2025(kilimani, tmp_path)
    graduate = ("--graduate", "Kindergarten")
    assert "Kindergarten" in one_line_refusal(karo(*ROLLOVER, "--dry-run"))
    assert "rolls over to 2026, not 2027" in one_line_refusal(
        karo("year", "rollover", "--school", "kilimani", "--to", "2027", *graduate)
    )
    assert "no class named 'Grade 99'" in one_line_refusal(
        karo(*ROLLOVER, *graduate, "--promote", "Grade 99=Grade 100")
    )
    assert "into itself" in one_line_refusal(karo(*ROLLOVER, *graduate, "--promote", "grade 9=Grade 9"))
    assert "should name a class and its next" in one_line_refusal(
        karo(*ROLLOVER, *graduate, "--promote", "Grade 9")
    )
    assert "percentage" in one_line_refusal(karo(*ROLLOVER, *graduate, "--increase", "five"))
    assert "no school with slug" in one_line_refusal(
        karo("year", "rollover", "--school", "nowhere", "--to", "2026")
    )
    assert one_line_refusal(karo("year", "rollover", "--school", "kilimani", "--to", "next"), code=2)
