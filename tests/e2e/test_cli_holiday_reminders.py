"""`karo reminders run --at` on days between terms: holiday arrears reminders, then the next term's notice
once its fees are set, each family queued once."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import Karo, karo, kilimani, write  # noqa: F401
from tests.e2e.test_cli_reminders import invoiced  # noqa: F401  (term 2027-1 invoiced: 4 Jan to 1 Apr)

NEXT_FEES = """term,class,vote_head,amount
2027-2,Grade 4,Tuition,21000
2027-2,Grade 5,Tuition,22500
"""


def run(school: Karo, at: str, *more: str) -> list[str]:
    result = school("reminders", "run", "--school", "kilimani", "--at", at, *more)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_between_terms_families_hear_of_arrears_then_of_next_terms_fees(
    invoiced: Karo,  # noqa: F811
    tmp_path: Path,
) -> None:
    early = run(invoiced, "2027-04-08T10:00", "--dry-run")
    assert (
        early[0]
        == "Kilimani Junior Academy (kilimani), holidays after term 2027-1, at 2027-04-08 10:00 Nairobi"
    )
    assert early[-1] == "0 to remind; 3 skipped (next reminder day 3)"  # 14 days after the term ended

    arrears = run(invoiced, "2027-04-15T10:00")
    assert (
        "  remind +254712345678 (Mary Kamau): holiday_arrears, Wanjiku Kamau (2101), KES 26,500.00" in arrears
    )
    assert arrears[-1] == "Queued 3 reminder(s)."
    assert run(invoiced, "2027-04-15T16:00")[-1] == "Queued 0 reminder(s)."

    # Next term's fees are set: a week before it opens (26 Apr, the usual calendar), each family is told.
    imported = invoiced("import", "fees", write(tmp_path, "next.csv", NEXT_FEES), "--school", "kilimani")
    assert imported.exit_code == 0, imported.output
    notice = run(invoiced, "2027-04-19T10:00")
    assert (
        "  remind +254712345678 (Mary Kamau): next_term_notice, Wanjiku Kamau (2101), KES 47,500.00" in notice
    )
    assert any(
        line.startswith(
            "    Kilimani Junior Academy: Muhula wa 2 unaanza 26 Apr 2027. Ada ya Wanjiku KES 21,000,"
        )
        for line in notice
    )
    assert notice[-1] == "Queued 3 reminder(s)."
    later = run(invoiced, "2027-04-22T10:00", "--dry-run")
    assert later[-1].startswith("0 to remind; 3 skipped")
