"""`karo reminders run` and `karo plan` as a bursar uses them, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import STUDENTS, Karo, karo, kilimani, one_line_refusal, write  # noqa: F401

# A term still to come (the commands take today's date for a plan's start).
FEES = """term,class,vote_head,amount
2027-1,Grade 4,Tuition,20000
2027-1,Grade 4,Lunch,6500
2027-1,Grade 5,Tuition,21500
"""


@pytest.fixture
def invoiced(kilimani: Karo, tmp_path: Path) -> Karo:  # noqa: F811
    for kind, text in (("students", STUDENTS), ("fees", FEES)):
        imported = kilimani("import", kind, write(tmp_path, f"{kind}.csv", text), "--school", "kilimani")
        assert imported.exit_code == 0, imported.output
    dates = kilimani("term", "set", "--school", "kilimani", "--term", "2027-1",
                     "--start", "2027-01-04", "--end", "2027-04-01", "--due", "2027-01-18")  # fmt: skip
    assert dates.exit_code == 0, dates.output
    billed = kilimani("invoice", "--school", "kilimani", "--term", "2027-1")
    assert billed.exit_code == 0, billed.output
    assert "Grade 4: invoiced 2, already 0, KES 53,000.00" in billed.output
    assert "Term 2027-1 total invoiced now: KES 74,500.00; 3 family notice(s) queued" in billed.output
    return kilimani


def test_a_dry_run_says_who_would_get_what_and_why_the_others_would_not(invoiced: Karo) -> None:
    planned = invoiced("plan", "add", "--school", "kilimani", "--student", "2103",
                       "--instalment", "2027-02-20=10000", "--instalment", "2027-03-20=11500")  # fmt: skip
    assert planned.exit_code == 0, planned.output
    result = invoiced("reminders", "run", "--school", "kilimani", "--dry-run", "--at", "2027-02-01T10:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Kilimani Junior Academy (kilimani), term 2027-1, at 2027-02-01 10:00 Nairobi"
    assert (
        "  would remind +254712345678 (Mary Kamau): after_due, Wanjiku Kamau (2101), KES 26,500.00" in lines
    )
    assert any(
        line.startswith("    Kilimani Junior Academy: Kumbusho la ada. Wanjiku Kamau (2101)")
        for line in lines
    )
    assert "  skip +254110123456 (Peter Kiprop): on a payment plan: next reminder 2027-02-17" in lines
    assert lines[-1] == "2 to remind; 1 skipped (on a payment plan: next reminder 1)"
    again = invoiced("reminders", "run", "--school", "kilimani", "--dry-run", "--at", "2027-02-01T10:00")
    assert again.output == result.output  # a dry run writes nothing


def test_a_run_queues_each_family_once(invoiced: Karo) -> None:
    first = invoiced("reminders", "run", "--school", "kilimani", "--at", "2027-02-01T10:00")
    again = invoiced("reminders", "run", "--school", "kilimani", "--at", "2027-02-01T15:00")
    assert first.output.splitlines()[-1] == "Queued 3 reminder(s)."
    assert "  skip +254712345678 (Mary Kamau): already reminded for 2027-02-01" in again.output
    assert again.output.splitlines()[-1] == "Queued 0 reminder(s)."


def test_quiet_hours_hold_the_whole_school(invoiced: Karo) -> None:
    result = invoiced("reminders", "run", "--school", "kilimani", "--at", "2027-02-01T21:30")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "No reminders: quiet hours (20:00-07:00)."


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--at", "tomorrow"), "--at: 'tomorrow' is not a date and time (use e.g. 2026-02-02T09:00)"),
        (("--school", "nowhere"), "no school with slug 'nowhere' (karo school create --slug ... makes one)"),
    ],
)
def test_bad_input_to_a_run_is_refused_in_one_line(invoiced: Karo, args, reason) -> None:
    base = ["reminders", "run", "--school", "kilimani"]
    if args[0] == "--school":
        base = ["reminders", "run"]
    assert one_line_refusal(invoiced(*base, *args)) == f"Error: {reason}"


@pytest.mark.parametrize(
    ("instalment", "reason"),
    [
        ("2026-02-30=100", "--instalment: '2026-02-30' is not a date (use YYYY-MM-DD, e.g. 2026-01-05)"),
        ("20 Feb=100", "--instalment: '20 Feb=100' should be DATE=KES, e.g. 2026-02-15=5000"),
        ("2027-05-01=100", "the instalment of 2027-05-01 falls after the term ends"),
        ("2027-02-20=0", "the instalment of 2027-02-20 must be more than zero"),
    ],
)
def test_a_bad_plan_is_refused_in_one_line(invoiced: Karo, instalment: str, reason: str) -> None:
    result = invoiced("plan", "add", "--school", "kilimani", "--student", "2101", "--term", "2027-1",
                      "--instalment", instalment)  # fmt: skip
    assert one_line_refusal(result) == f"Error: {reason}"


def test_a_plan_is_made_shown_and_cancelled(invoiced: Karo) -> None:
    made = invoiced("plan", "add", "--school", "kilimani", "--student", "2102", "--term", "2027-1",
                    "--instalment", "2027-03-01=13250", "--instalment", "2027-02-01=13250.50")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.output.splitlines() == [
        "Plan for Otieno Ochieng (2102), term 2027-1: 2 instalments, KES 26,500.50",
        "  2027-02-01  KES 13,250.50",
        "  2027-03-01  KES 13,250.00",
    ]
    typed = invoiced("plan", "cancel", "--school", "kilimani", "--student", "21-02")  # any punctuation
    assert typed.exit_code == 0, typed.output
    again = invoiced("plan", "cancel", "--school", "kilimani", "--student", "2102")
    assert one_line_refusal(again) == "Error: 2102 has no payment plan"
