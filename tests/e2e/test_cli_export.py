"""`karo export KIND --school S [--from D] [--to D] [--format csv|xlsx] [--out FILE]`: the reports as a
spreadsheet opens them, money as numbers, a name that looks like a formula kept as text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.test_cli import FEES, Karo, karo, kilimani, one_line_refusal, write  # noqa: F401

STUDENTS = """admission_no,name,class,guardian_name,guardian_phone
2101,=HYPERLINK(evil),Grade 4,Mary Kamau,0712 345 678
2102,Otieno Ochieng,Grade 4,Jane Achieng,+254722000111
2103,Chebet Kiprop,Grade 5,Peter Kiprop,0110 123 456
"""
BANK = """date,reference,description,amount
2026-02-02,FT1,FEES 2101,"15,000.50"
2026-02-03,FT2,FEES 2102,4000
"""


def books(run: Karo, tmp_path: Path) -> None:
    for kind, text in (("students", STUDENTS), ("fees", FEES), ("bank", BANK)):
        done = run("import", kind, write(tmp_path, f"{kind}.csv", text), "--school", "kilimani")
        assert done.exit_code == 0, done.output
    assert run("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0


def test_collections_as_excel_have_number_cells_and_totals(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)
    out = tmp_path / "collections.xlsx"
    args = ("export", "collections", "--school", "kilimani", "--from", "2026-02-01", "--to", "2026-02-28")
    done = kilimani(*args, "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 0, done.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header, *days, totals = rows
    assert header[:7] == ("Date", "M-Pesa STK", "M-Pesa Paybill", "Bank", "Cash", "Cheque", "Total")
    assert [row[3] for row in days] == [15_000.5, 4_000]  # real numbers in KES, not text
    assert totals[0] == "Total" and totals[6] == 19_000.5
    assert sheet.cell(row=3, column=4).data_type == "n"


def test_the_fees_register_as_csv_keeps_a_formula_like_name_as_text(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)
    done = kilimani("export", "fees-register", "--school", "kilimani", "--to", "2026-03-31")
    assert done.exit_code == 0, done.output
    header, *rows = list(csv.reader(io.StringIO(done.output)))
    assert header[:8] == [
        "Admission no.", "Name", "Class", "Charged", "Bursaries and discounts", "Paid", "Refunded", "Balance",
    ]  # fmt: skip
    by_adm = {row[0]: row for row in rows}
    assert by_adm["2101"][1] == "'=HYPERLINK(evil)"
    assert by_adm["2101"][3:8] == ["26500.00", "0.00", "15000.50", "0.00", "11499.50"]
    assert by_adm["Total"][7] == "55499.50"  # 26,500 + 26,500 + 21,500 - 15,000.50 - 4,000


def test_an_xlsx_text_cell_that_looks_like_a_formula_stays_text(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)
    out = tmp_path / "register.xlsx"
    done = kilimani("export", "fees-register", "--school", "kilimani", "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 0, done.output
    cells = [cell for row in load_workbook(out).active.iter_rows() for cell in row]
    evil = [cell for cell in cells if cell.value == "=HYPERLINK(evil)"]
    assert len(evil) == 1 and evil[0].data_type == "s"


def test_bad_dates_and_kinds_are_one_line(kilimani: Karo) -> None:  # noqa: F811
    assert "--from: '2026-13-01'" in one_line_refusal(
        kilimani("export", "collections", "--school", "kilimani", "--from", "2026-13-01")
    )
    assert "is after --to" in one_line_refusal(
        kilimani("export", "cash-book", "--school", "kilimani", "--from", "2026-03-01", "--to", "2026-02-01")
    )
    refused = kilimani("export", "payroll", "--school", "kilimani")
    assert refused.exit_code == 2 and "payroll" in refused.output


def test_bursaries_by_sponsor_show_pledged_received_and_outstanding(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)
    awards = (
        "admission_no,term,sponsor,amount\n2101,2026-1,NG-CDF Kibra,5000\n2102,2026-1,NG-CDF Kibra,3000\n"
    )
    assert (
        kilimani("import", "bursaries", write(tmp_path, "b.csv", awards), "--school", "kilimani").exit_code
        == 0
    )
    done = kilimani("export", "sponsors", "--school", "kilimani")
    assert done.exit_code == 0, done.output
    header, *rows = list(csv.reader(io.StringIO(done.output)))
    assert header == ["Sponsor", "Kind", "Students", "Pledged", "Received", "Outstanding", "Not yet credited"]
    assert rows[0][:6] == ["NG-CDF Kibra", "cdf", "2", "8000.00", "0.00", "8000.00"]
    assert rows[-1][0] == "Total" and rows[-1][3] == "8000.00"


def test_bursaries_by_sponsor_count_only_what_falls_in_the_dates(kilimani: Karo, tmp_path: Path) -> None:  # noqa: F811
    books(kilimani, tmp_path)
    awards = "admission_no,term,sponsor,amount\n2101,2026-1,NG-CDF Kibra,5000\n"
    done = kilimani("import", "bursaries", write(tmp_path, "b.csv", awards), "--school", "kilimani")
    assert done.exit_code == 0, done.output
    credited = kilimani("export", "sponsors", "--school", "kilimani")
    assert list(csv.reader(io.StringIO(credited.output)))[1][3:6] == ["5000.00", "0.00", "5000.00"]
    # Credited today: nothing of it in a range that ended before.
    before = kilimani(
        "export", "sponsors", "--school", "kilimani", "--from", "2026-01-01", "--to", "2026-01-02"
    )
    assert before.exit_code == 0, before.output
    header, *rows = list(csv.reader(io.StringIO(before.output)))
    assert rows[0][0] == "NG-CDF Kibra" and rows[0][3:6] == ["0.00", "0.00", "0.00"]
