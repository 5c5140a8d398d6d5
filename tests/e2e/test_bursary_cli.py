"""`karo bursary add`, `karo bursary cheque` and `karo import bursaries` as a bursar uses them, on a SQLite
file: awards credited and said back, the same command twice changes nothing, every refusal in one line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.e2e import test_cli
from tests.e2e.test_cli import FEES, STUDENTS, Karo, one_line_refusal, write

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

ADD = ["bursary", "add", "--school", "kilimani", "--term", "2026-1"]


def invoiced(kilimani: Karo, tmp_path: Path) -> Karo:
    for kind, body in (("students", STUDENTS), ("fees", FEES)):
        result = kilimani("import", kind, write(tmp_path, f"{kind}.csv", body), "--school", "kilimani")
        assert result.exit_code == 0, result.output
    assert kilimani("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    return kilimani


def audit_actions(tmp_path: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{tmp_path / 'karo.db'}")
    with engine.connect() as conn:
        actions = [row[0] for row in conn.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    engine.dispose()
    return actions


def test_a_bursary_is_credited_said_back_and_audited_once(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    args = [*ADD, "--student", "2101", "--sponsor", "NG-CDF Westlands", "--amount", "5,000"]
    first = karo(*args)
    assert first.exit_code == 0, first.output
    assert first.output == (
        "Bursary from NG-CDF Westlands for 2101 (Wanjiku Kamau), term 2026-1: KES 5,000.00 credited; "
        "balance KES 21,500.00\n"
    )
    again = karo(*args)
    assert again.output.endswith("balance KES 21,500.00 (already awarded: nothing changed)\n")
    assert audit_actions(tmp_path).count("bursary.add") == 1


def test_a_percentage_of_one_vote_head(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    result = karo(*ADD, "--student", "2101", "--sponsor", "School", "--percent", "50", "--vote-head", "lunch")
    assert result.exit_code == 0, result.output
    assert "KES 3,250.00 credited; balance KES 23,250.00" in result.output


def test_a_conditional_award_is_pledged_not_credited(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    result = karo(
        *ADD, "--student", "2101", "--sponsor", "Nairobi County", "--amount", "2000", "--conditional"
    )
    assert "term 2026-1: pledged; balance KES 26,500.00" in result.output


def test_bad_input_is_refused_in_one_line_and_changes_nothing(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    for options, says in [
        (["--student", "2101", "--sponsor", "CDF"], "--amount KES or --percent P"),
        (["--student", "2101", "--sponsor", "CDF", "--amount", "5", "--percent", "5"], "one of the two"),
        (["--student", "9999", "--sponsor", "CDF", "--amount", "5"], "9999"),
        (["--student", "2101", "--sponsor", "CDF", "--amount", "five"], "not an amount"),
        (["--student", "2101", "--sponsor", "CDF", "--percent", "120"], "at most 100%"),
        (["--student", "2101", "--sponsor", "CDF", "--amount", "30000"], "left to award"),
        (["--student", "2101", "--sponsor", "CDF", "--amount", "5", "--vote-head", "Bus"], "no vote head"),
        (["--student", "2101", "--sponsor", " ", "--amount", "5"], "needs a name"),
    ]:
        assert says in one_line_refusal(karo(*ADD, *options)), options
    assert "2026-4" in one_line_refusal(
        karo(
            "bursary",
            "add",
            "--school",
            "kilimani",
            "--term",
            "2026-4",
            "--student",
            "2101",
            "--sponsor",
            "CDF",
            "--amount",
            "5",
        )  # fmt: skip
    )
    assert "bursary.add" not in audit_actions(tmp_path)


def test_a_cheque_is_recorded_once_over_its_students(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    split = write(tmp_path, "cheque.csv", 'admission_no,amount\n2101,4000\n2103,"6,000.50"\n')
    args = ["bursary", "cheque", "--school", "kilimani", "--sponsor", "NG-CDF Westlands", "--term", "2026-1",
            "--reference", "000123", "--on", "2026-02-02", split]  # fmt: skip
    first = karo(*args)
    assert first.output == "Cheque 000123 from NG-CDF Westlands: KES 10,000.50 over 2 students\n"
    assert karo(*args).output.endswith("(already recorded: nothing changed)\n")
    assert audit_actions(tmp_path).count("bursary.cheque") == 1
    bad = write(tmp_path, "bad.csv", "2101,4000\n2999,100\n2103,10%\n")
    refused = karo(*args[:-1], bad)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[:2] == [
        "line 2: unknown admission number 2999; import the student first or fix the number",
        "line 3: a cheque line is an amount in KES, not a percentage",
    ]


def test_import_bursaries_twice_changes_nothing(kilimani: Karo, tmp_path: Path) -> None:
    karo = invoiced(kilimani, tmp_path)
    path = write(
        tmp_path, "b.csv", "admission_no,term,sponsor,amount\n2101,2026-1,CDF,25%\n2102,2026-1,CDF,1000\n"
    )
    first = karo("import", "bursaries", path, "--school", "kilimani")
    assert first.output.endswith("2 bursaries rows: 2 created, 0 updated, 0 unchanged\n"), first.output
    second = karo("import", "bursaries", path, "--school", "kilimani")
    assert second.output.endswith("2 bursaries rows: 0 created, 0 updated, 2 unchanged\n")
