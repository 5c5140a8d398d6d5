"""`karo charge` as a bursar uses it, on a SQLite file: a class or one student charged once a day per
command, audited, and every refusal in one line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.e2e import test_cli
from tests.e2e.test_cli import FEES, STUDENTS, Karo, one_line_refusal, write

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

CLASS = ["charge", "--school", "kilimani", "--class", "grade 4", "--term", "2026-1"]
UNIFORM = ["--vote-head", "Uniform", "--amount", "2,500", "--memo", "Uniform: two shirts"]


def with_records(kilimani: Karo, tmp_path: Path) -> Karo:
    for kind, body in (("students", STUDENTS), ("fees", FEES)):
        done = kilimani("import", kind, write(tmp_path, f"{kind}.csv", body), "--school", "kilimani")
        assert done.exit_code == 0, done.output
    return kilimani


def books(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'karo.db'}")
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text(query))]
    engine.dispose()
    return rows


def test_a_class_is_charged_once_and_the_same_command_again_posts_nothing(
    kilimani: Karo, tmp_path: Path
) -> None:
    karo = with_records(kilimani, tmp_path)
    first = karo(*CLASS, *UNIFORM, "--new-vote-head")
    assert first.exit_code == 0, first.output
    assert first.output == "Charged 2 student(s) KES 2,500.00 to Uniform (term 2026-1): KES 5,000.00\n"
    again = karo(*CLASS, *UNIFORM)
    assert again.exit_code == 0, again.output
    assert again.output == "Already charged today by the same command: nothing new posted (2 student(s))\n"
    assert books(tmp_path, "SELECT kind, count(*) FROM entries GROUP BY kind") == [("charge", 2)]
    assert books(
        tmp_path, "SELECT action, actor LIKE 'cli:%' FROM audit_log WHERE action LIKE 'charge%'"
    ) == [("charge.post", 1)]
    one = karo("charge", "--school", "kilimani", "--student", "2103", "--term", "2026-1",
               "--vote-head", "uniform", "--amount", "800", "--memo", "Broken window")  # fmt: skip
    assert one.output == "Charged 1 student(s) KES 800.00 to Uniform (term 2026-1): KES 800.00\n"
    statement = karo("statement", "--school", "kilimani", "--student", "2103")
    if statement.exit_code == 0:  # `karo statement` is another part's: when present, it shows the charge
        assert "Broken window" in statement.output


def test_bad_charges_are_refused_in_one_line_and_post_nothing(kilimani: Karo, tmp_path: Path) -> None:
    karo = with_records(kilimani, tmp_path)
    school = ["charge", "--school", "kilimani"]
    tuition = ["--vote-head", "Tuition", "--amount", "5", "--memo", "x"]
    cases = [
        ([*school, *tuition], "either --student"),
        ([*CLASS, "--student", "2101", *tuition], "either --student"),
        ([*CLASS, *UNIFORM], "no vote head 'Uniform' (Lunch, Tuition); add --new-vote-head"),
        ([*CLASS, *tuition[:2], "--amount", "-5", "--memo", "x"], "--amount: '-5' must be more than zero"),
        ([*CLASS, *tuition[:2], "--amount", "1,50", "--memo", "x"], "is not an amount in KES"),
        ([*CLASS, *tuition[:4], "--memo", " "], "a charge needs a memo"),
        (
            [*school, "--student", "9999", "--term", "2026-1", *tuition],
            "no student with admission number '9999'",
        ),
        ([*school, "--class", "Grade 9", "--term", "2026-1", *tuition], "has no class 'Grade 9'"),
        ([*CLASS[:-1], "2026-3", *tuition], "has no term 2026-3"),
        (["charge", "--school", "nowhere", "--class", "Grade 4", *tuition], "no school with slug 'nowhere'"),
    ]
    for args, says in cases:
        assert says in one_line_refusal(karo(*args)), args
    assert books(tmp_path, "SELECT count(*) FROM entries") == [(0,)]


def test_importing_enrolments_says_which_items_became_optional(kilimani: Karo, tmp_path: Path) -> None:
    karo = with_records(kilimani, tmp_path)
    enrolments = write(tmp_path, "e.csv", "admission_no,term,vote_head,amount\n2101,2026-1,Lunch,\n")
    done = karo("import", "enrolments", enrolments, "--school", "kilimani")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        f"{enrolments}: 1 enrolments rows: 1 created, 0 updated, 0 unchanged",
        "Lunch in term 2026-1 is now optional, billed only to the enrolled: Grade 4",
    ]
    assert karo("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    owed = "SELECT s.admission_no, sum(a.balance) FROM accounts a JOIN students s ON s.id = a.student_id"
    owed += " GROUP BY 1"
    assert sorted(books(tmp_path, owed)) == [("2101", 2_650_000), ("2102", 2_000_000), ("2103", 2_150_000)]
    bad = write(tmp_path, "bad.csv", "admission_no,term,vote_head\n2101,2026-1,Lunch\n9,2026-1,Lunch\n")
    refused = karo("import", "enrolments", bad, "--school", "kilimani")
    assert refused.exit_code == 1
    assert "line 3: unknown admission number 9" in refused.stderr
