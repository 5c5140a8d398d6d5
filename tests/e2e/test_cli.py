"""`karo` as an operator uses it, on a SQLite file named by KARO_DATABASE_URL: every refusal is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from bot.settings import get_settings
from tests.conftest import copy_sqlite

Karo = Callable[..., Result]

STUDENTS = """admission_no,name,class,guardian_name,guardian_phone,language
2101,Wanjiku Kamau,Grade 4,Mary Kamau,0712 345 678,sw
2102,Otieno Ochieng,Grade 4,Jane Achieng,+254722000111,
2103,Chebet Kiprop,Grade 5,Peter Kiprop,0110 123 456,en
"""
FEES = """term,class,vote_head,amount
2026-1,Grade 4,Tuition,20000
2026-1,Grade 4,Lunch,6500
2026-1,Grade 5,Tuition,21500
"""


@pytest.fixture
def karo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_sqlite: Path) -> Iterator[Karo]:
    """Runs `karo ARGS...` in this process against a migrated SQLite file (a copy of the run's)."""
    monkeypatch.setenv("KARO_DATABASE_URL", f"sqlite:///{copy_sqlite(migrated_sqlite, tmp_path / 'karo.db')}")
    monkeypatch.delenv("KARO_REDIS_URL", raising=False)

    def run(*args: str) -> Result:
        get_settings.cache_clear()  # each run is a fresh process as far as settings go
        return CliRunner().invoke(cli, list(args), prog_name="karo")

    migrated = run("db", "upgrade")
    assert migrated.exit_code == 0, migrated.output
    yield run
    get_settings.cache_clear()


@pytest.fixture
def kilimani(karo: Karo) -> Karo:
    created = karo("school", "create", "--slug", "kilimani", "--name", "Kilimani Junior Academy",
                   "--paybill", "522533", "--ussd-code", "*384*25#")  # fmt: skip
    assert created.exit_code == 0, created.output
    return karo


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def one_line_refusal(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_school_create_says_what_it_made(kilimani: Karo) -> None:
    result = kilimani("school", "create", "--slug", "mwangaza", "--name", "Mwangaza  Secondary")
    assert result.exit_code == 0, result.output
    assert result.output == "Created Mwangaza Secondary (mwangaza)\n"


def test_a_duplicate_slug_is_refused_in_one_line(kilimani: Karo) -> None:
    result = kilimani("school", "create", "--slug", "kilimani", "--name", "Another Kilimani")
    assert "kilimani" in one_line_refusal(result)


def test_a_duplicate_ussd_code_is_refused_in_one_line(kilimani: Karo) -> None:
    result = kilimani(
        "school", "create", "--slug", "mwangaza", "--name", "Mwangaza", "--ussd-code", "*384*25#"
    )
    assert "*384*25#" in one_line_refusal(result)


def test_a_malformed_ussd_code_is_refused(karo: Karo) -> None:
    result = karo("school", "create", "--slug", "kilimani", "--name", "K", "--ussd-code", "384-25")
    assert "--ussd-code" in one_line_refusal(result)


def test_term_set_gives_a_term_its_dates(kilimani: Karo) -> None:
    result = kilimani("term", "set", "--school", "kilimani", "--term", "2026-1",
                      "--start", "2026-01-05", "--end", "2026-04-02", "--due", "2026-01-19")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2026-01-05 to 2026-04-02, fees due 2026-01-19" in result.output


def test_term_set_refuses_a_bad_date_in_one_line(kilimani: Karo) -> None:
    result = kilimani("term", "set", "--school", "kilimani", "--term", "2026-1",
                      "--start", "2026-13-05", "--end", "2026-04-02", "--due", "2026-01-19")  # fmt: skip
    assert "--start" in one_line_refusal(result)


def test_term_set_refuses_a_term_that_does_not_exist(kilimani: Karo) -> None:
    result = kilimani("term", "set", "--school", "kilimani", "--term", "2026-4",
                      "--start", "2026-09-01", "--end", "2026-11-02", "--due", "2026-09-15")  # fmt: skip
    assert "2026-4" in one_line_refusal(result)


def test_an_unknown_school_is_refused_in_one_line(karo: Karo, tmp_path: Path) -> None:
    result = karo("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "nowhere")
    assert "nowhere" in one_line_refusal(result)


def test_a_missing_option_is_one_line_too(karo: Karo) -> None:
    assert "--school" in one_line_refusal(karo("invoice", "--term", "2026-1"), code=2)


def test_an_unreadable_file_is_refused_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    result = kilimani("import", "students", str(tmp_path / "missing.csv"), "--school", "kilimani")
    assert "missing.csv" in one_line_refusal(result)


def test_a_file_that_is_not_utf8_is_refused_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(STUDENTS.replace("Wanjiku", "Wanjikũ").encode("utf-16"))
    assert "UTF-8" in one_line_refusal(kilimani("import", "students", str(path), "--school", "kilimani"))


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(kilimani: Karo, tmp_path: Path) -> None:
    bad = STUDENTS + "2104,Baraka Mwangi,Grade 6,Lucy Mwangi,12345\n2105,,Grade 6,Ann Njeri,0711000222\n"
    result = kilimani("import", "students", write(tmp_path, "bad.csv", bad), "--school", "kilimani")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("line 5: guardian_phone")
    assert lines[1].startswith("line 6: name")
    assert "nothing imported" in lines[-1]
    again = kilimani("import", "students", write(tmp_path, "good.csv", STUDENTS), "--school", "kilimani")
    assert "3 created" in again.output  # the bad file left nothing behind


def test_import_then_invoice_every_class(kilimani: Karo, tmp_path: Path) -> None:
    imported = kilimani("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "kilimani")
    assert imported.exit_code == 0, imported.output
    assert "3 students rows: 3 created, 0 updated, 0 unchanged" in imported.output
    assert kilimani("import", "fees", write(tmp_path, "f.csv", FEES), "--school", "kilimani").exit_code == 0
    first = kilimani("invoice", "--school", "kilimani", "--term", "2026-1")
    assert first.exit_code == 0, first.output
    assert "Grade 4: invoiced 2, already 0, KES 53,000.00" in first.output
    assert "Grade 5: invoiced 1, already 0, KES 21,500.00" in first.output
    again = kilimani("invoice", "--school", "kilimani", "--term", "2026-1", "--class", "grade 4")
    assert "Grade 4: invoiced 0, already 2, KES 0.00" in again.output
    assert "Grade 5" not in again.output


def test_invoice_refuses_a_term_the_school_does_not_have(kilimani: Karo) -> None:
    assert "2031-1" in one_line_refusal(kilimani("invoice", "--school", "kilimani", "--term", "2031-1"))


def test_the_worker_and_scheduler_need_redis(karo: Karo) -> None:
    for process in ("worker", "scheduler"):
        assert "KARO_REDIS_URL" in one_line_refusal(karo(process))


def test_a_malformed_setting_stops_the_console_script_in_one_line(tmp_path: Path) -> None:
    karo = Path(sys.executable).with_name("karo")
    env = {**os.environ, "KARO_DATABASE_URL": "mysql://karo@localhost/karo"}
    result = subprocess.run([karo, "db", "upgrade"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr == "KARO_DATABASE_URL: must be a sqlite:// or postgresql:// URL\n"


@pytest.mark.parametrize(("kind", "header", "row"), [
    ("fees", "term,class,vote_head,amount", "2026-1,Grade 4,Tuition,99999999999999999999"),
    ("balances", "admission_no,amount", "2101,99999999999999999999"),
])  # fmt: skip
def test_a_huge_amount_is_a_bad_line_not_a_traceback(
    kilimani: Karo, tmp_path: Path, kind: str, header: str, row: str
) -> None:
    kilimani("import", "students", write(tmp_path, "s.csv", STUDENTS), "--school", "kilimani")
    huge = write(tmp_path, "huge.csv", f"{header}\n{row}\n")
    result = kilimani("import", kind, huge, "--school", "kilimani")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("line 2: amount is more than KES 10,000,000.00"), result.stderr
    assert "Traceback" not in result.output and "nothing imported" in lines[-1]
