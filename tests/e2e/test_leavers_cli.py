"""`karo student leave`, `karo student readmit`, `karo statement` and `karo refund` as a bursar uses them, on
a SQLite file: a leaver drops out of invoicing and comes back, the statement says so, a credit is paid back
once and never beyond itself, and every refusal is one line."""

from __future__ import annotations

from pathlib import Path

from tests.e2e import test_cli
from tests.e2e.test_cli import Karo, one_line_refusal, write
from tests.e2e.test_cli_audit import audit_rows
from tests.e2e.test_fees_cli import school_with_fees

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

TERM_2 = """term,class,vote_head,amount
2026-2,Grade 4,Tuition,20000
2026-2,Grade 5,Tuition,21500
"""
LEAVE = ("student", "leave", "--school", "kilimani", "--student", "2101")


def statement(karo: Karo, adm: str) -> str:
    shown = karo("statement", "--school", "kilimani", "--student", adm)
    assert shown.exit_code == 0, shown.output
    return shown.output


def test_a_leaver_is_not_invoiced_again_until_re_admitted(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    assert karo("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    left = karo(*LEAVE, "--on", "2026-03-01", "--reason", "Transferred")
    assert left.output == "2101 Wanjiku Kamau: left on 2026-03-01 (transferred)\n"
    assert karo(*LEAVE, "--on", "2026-03-01", "--reason", "transferred").exit_code == 0  # again: no change
    assert karo("import", "fees", write(tmp_path, "t2.csv", TERM_2), "--school", "kilimani").exit_code == 0
    invoiced = karo("invoice", "--school", "kilimani", "--term", "2026-2")
    assert "Grade 4: invoiced 1, already 0" in invoiced.output  # Otieno only
    shown = statement(karo, "2101")
    assert shown.startswith("Wanjiku Kamau (2101), Grade 4; left on 2026-03-01 (transferred)\n")
    assert "Fees for term 2026-1" in shown and "2026-2" not in shown
    assert shown.endswith("Balance: owes KES 26,500.00\n")
    back = karo("student", "readmit", "--school", "kilimani", "--student", "2101")
    assert back.output == "2101 Wanjiku Kamau: re-admitted\n"
    assert (
        "Grade 4: invoiced 1, already 1" in karo("invoice", "--school", "kilimani", "--term", "2026-2").output
    )
    assert statement(karo, "2101").endswith("Balance: owes KES 46,500.00\n")
    audited = [(row.action, row.actor.startswith("cli:"), row.after) for row in audit_rows()]
    leaving = [row for row in audited if row[0].startswith("student.")]
    assert leaving == [  # leaving the same way again wrote nothing
        (
            "student.leave",
            True,
            {"student": "2101", "active": False, "left_on": "2026-03-01", "reason": "transferred"},
        ),
        ("student.readmit", True, {"student": "2101", "active": True, "left_on": None, "reason": None}),
    ]


def test_leaving_and_statement_refuse_bad_input_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    for args, says in [
        ((*LEAVE, "--on", "2026-03-01", "--reason", "expelled"), "not one of transferred, graduated"),
        ((*LEAVE, "--on", "1 March", "--reason", "other"), "--on: '1 March' is not a date"),
        ((*LEAVE, "--on", "2999-03-01", "--reason", "other"), "is still to come"),
        (
            (
                "student",
                "leave",
                "--school",
                "kilimani",
                "--student",
                "9999",
                "--on",
                "2026-03-01",
                "--reason",
                "other",
            ),
            "no student with admission number '9999'",
        ),  # fmt: skip
        (("student", "readmit", "--school", "kilimani", "--student", "2101"), "has not left"),
        (("statement", "--school", "kilimani", "--student", "9999"), "no student with admission number"),
        (("statement", "--school", "nowhere", "--student", "2101"), "no school with slug 'nowhere'"),
    ]:
        assert says in one_line_refusal(karo(*args))
    assert "--reason" in one_line_refusal(karo(*LEAVE, "--on", "2026-03-01"), code=2)


def test_a_credit_is_refunded_once_and_never_beyond_itself(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    credit = write(tmp_path, "b.csv", "admission_no,amount\n2103,-30000\n")  # Chebet paid ahead
    assert karo("import", "balances", credit, "--school", "kilimani").exit_code == 0
    assert karo("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    assert statement(karo, "2103").endswith("Balance: in credit KES 8,500.00\n")
    refund = (
        "refund",
        "--school",
        "kilimani",
        "--student",
        "2103",
        "--method",
        "cash",
        "--reference",
        "V-001",
    )
    too_much = karo(*refund, "--amount", "8,500.01")
    assert "KES 8,500.01 is more than 2103's credit (KES 8,500.00)" in one_line_refusal(too_much)
    paid = karo(*refund, "--amount", "5,000", "--on", "2026-02-01")
    assert paid.output == "2103 Chebet Kiprop: refunded KES 5,000.00 by cash; credit left KES 3,500.00\n"
    again = karo(*refund, "--amount", "5,000", "--on", "2026-02-01")
    assert (
        again.output
        == "2103 Chebet Kiprop: already recorded: KES 5,000.00 by cash; credit left KES 3,500.00\n"
    )
    shown = statement(karo, "2103")
    assert "Credit refunded by cash, ref V-001" in shown and shown.endswith("in credit KES 3,500.00\n")
    [refunded] = [row for row in audit_rows() if row.action == "credit.refund"]
    assert refunded.before == {"student": "2103", "credit": 8_500_00}
    assert refunded.after is not None and refunded.after["credit"] == 3_500_00
    reused = karo(*refund, "--amount", "100", "--on", "2026-02-01")
    assert "already used for a different request" in one_line_refusal(reused)
    assert "--amount" in one_line_refusal(karo(*refund, "--amount", "five"))
    assert "--method" in one_line_refusal(
        karo(*refund[:-4], "--method", "card", "--reference", "X", "--amount", "1"), code=2
    )


def test_leaving_names_a_later_term_already_invoiced(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    assert karo("import", "fees", write(tmp_path, "t2.csv", TERM_2), "--school", "kilimani").exit_code == 0
    for code in ("2026-1", "2026-2"):
        assert karo("invoice", "--school", "kilimani", "--term", code).exit_code == 0
    left = karo(*LEAVE, "--on", "2026-03-01", "--reason", "withdrawn")
    assert left.output.splitlines() == [
        "2101 Wanjiku Kamau: left on 2026-03-01 (withdrawn)",
        "note: still invoiced for term 2026-2, which began after they left; "
        "reverse it if they did not attend",
    ]
