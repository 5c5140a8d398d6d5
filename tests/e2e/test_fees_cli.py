"""`karo fees rules` and `karo fees late` as a bursar uses them, on a SQLite file: rules printed back,
discounts at invoicing, late fees once, and every refusal in one line."""

from __future__ import annotations

from pathlib import Path

from tests.e2e import test_cli
from tests.e2e.test_cli import FEES, Karo, one_line_refusal, write

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

# Wanjiku and Otieno share Mary's phone: Otieno (admitted second) is the younger sibling.
FAMILY = """admission_no,name,class,guardian_name,guardian_phone
2101,Wanjiku Kamau,Grade 4,Mary Kamau,0712 345 678
2102,Otieno Kamau,Grade 4,Mary Kamau,+254712345678
2103,Chebet Kiprop,Grade 5,Peter Kiprop,0110 123 456
"""


def school_with_fees(kilimani: Karo, tmp_path: Path) -> Karo:
    assert (
        kilimani("import", "students", write(tmp_path, "s.csv", FAMILY), "--school", "kilimani").exit_code
        == 0
    )
    assert kilimani("import", "fees", write(tmp_path, "f.csv", FEES), "--school", "kilimani").exit_code == 0
    dates = ["--start", "2026-01-05", "--end", "2026-04-02", "--due", "2026-01-19"]
    assert kilimani("term", "set", "--school", "kilimani", "--term", "2026-1", *dates).exit_code == 0
    return kilimani


def test_rules_are_off_until_set_and_printed_back_when_set(kilimani: Karo) -> None:
    shown = kilimani("fees", "rules", "--school", "kilimani")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == [
        "Fee rules for kilimani:",
        "  late fee: off",
        "  sibling discount: off",
        "  early-payment discount: off",
    ]
    options = ["--late-fee", "5%", "--grace-days", "7", "--early-discount", "2.5%", "--early-days", "14"]
    changed = kilimani("fees", "rules", "--school", "kilimani", *options)
    assert changed.exit_code == 0, changed.output
    assert "  late fee: 5% of what is overdue, 7 days after the due date, to Late fee" in changed.output
    assert "  early-payment discount: 2.5% off all vote heads for a term paid in full 14 days before due" in (
        changed.output
    )
    off = kilimani("fees", "rules", "--school", "kilimani", "--off", "late-fee", "--late-fee", "KES 1")
    assert "--late-fee" in one_line_refusal(off)  # a bad value anywhere changes nothing
    assert "late fee: 5%" in kilimani("fees", "rules", "--school", "kilimani").output


def test_the_younger_sibling_is_discounted_and_late_fees_are_charged_once(
    kilimani: Karo, tmp_path: Path
) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    rules = karo("fees", "rules", "--school", "kilimani", "--late-fee", "500", "--grace-days", "7",
                 "--sibling-discount", "10%")  # fmt: skip
    assert "  late fee: KES 500.00, 7 days after the due date, to Late fee" in rules.output
    assert "  sibling discount: 10% off Tuition for each child after the first-admitted" in rules.output
    assert karo("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    early = karo("fees", "late", "--school", "kilimani", "--at", "2026-01-26")
    assert (
        early.output
        == "No late fees for kilimani on 2026-01-26: no term is past its due date and grace period\n"
    )
    charged = karo("fees", "late", "--school", "kilimani", "--at", "2026-01-27")
    assert charged.output == "Late fees for kilimani on 2026-01-27, term 2026-1: 3 charged, KES 1,500.00\n"
    again = karo("fees", "late", "--school", "kilimani", "--at", "2026-01-28")
    assert again.output == "Late fees for kilimani on 2026-01-28, term 2026-1: 0 charged, KES 0.00\n"


def test_bad_rules_are_refused_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    karo = school_with_fees(kilimani, tmp_path)
    for options, says in [
        (["--late-fee", "five hundred"], "should be an amount in KES"),
        (["--sibling-discount", "120%"], "more than 100%"),
        (["--early-discount", "-5%"], "should be a percentage"),
        (["--sibling-heads", "Tution"], "no vote head 'Tution'"),
        (["--grace-days", "400"], "0 to 365"),
    ]:
        assert says in one_line_refusal(karo("fees", "rules", "--school", "kilimani", *options))
    assert "nonsense" in one_line_refusal(
        karo("fees", "rules", "--school", "kilimani", "--off", "nonsense"), 2
    )
    assert "nowhere" in one_line_refusal(karo("fees", "late", "--school", "nowhere"))
    assert "--at" in one_line_refusal(karo("fees", "late", "--school", "kilimani", "--at", "27/01/2026"))
