"""Imports (all or nothing, every bad row listed), exports as CSV, the printable statement, fee structures
and invoicing a class after a preview."""

from __future__ import annotations

import csv
import io
import re

import httpx
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.balances import total_owed
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.records.tables import FeeItem, SchoolClass, Student, VoteHead
from ledger.staff.audit import AuditEntry
from tests import builders as b
from tests.e2e.dashboard.conftest import CLERK_A, HEAD_A, csrf_of, sign_in
from tests.e2e.dashboard.test_pages import TODAY, enrol, kilimani, pay

GOOD = (
    "admission_no,name,class,guardian_name,guardian_phone\n"
    "KJA-201,Neema Wanjiru,Grade 6,Jane Wanjiru,0711 222 333\n"
)
BAD = (
    "admission_no,name,class,guardian_name,guardian_phone\n"
    "KJA-202,Juma Hassan,Grade 6,Ali Hassan,0711 222 444\n"
    "KJA-203,,Grade 6,Mary Atieno,0711 222 555\n"
    "KJA-204,Zawadi Njeri,Grade 6,Peter Njeri,12345\n"
)


def upload(client: TestClient, kind: str, text: str | bytes, name: str = "students.csv") -> httpx.Response:
    token = csrf_of(client.get("/dashboard/imports"))
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/dashboard/imports",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, data, "text/csv")},
    )


def students(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Student)) or 0


def test_a_good_csv_is_imported_and_audited(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    answer = upload(bursar, "students", "\ufeff" + GOOD)  # as Excel saves "CSV UTF-8"
    assert answer.status_code == 200 and "1 students rows imported (1 created" in answer.text
    assert "Neema Wanjiru" in bursar.get("/dashboard/students", params={"q": "neema"}).text
    with staffed() as session:
        [row] = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.students"))
    assert row.after == {"rows": 1, "created": 1, "updated": 0} and row.target == "file:students.csv"


def test_a_bad_csv_imports_nothing_and_lists_every_bad_row(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    before = students(staffed)
    answer = upload(bursar, "students", BAD, name="term1.csv")
    assert answer.status_code == 422
    assert "Nothing was imported from term1.csv" in answer.text and "2 rows to fix" in answer.text
    assert "<td>3</td>" in answer.text and "<td>4</td>" in answer.text and "<td>2</td>" not in answer.text
    assert students(staffed) == before  # not even the good row


def test_a_huge_fee_is_a_row_to_fix_not_a_server_error(bursar: TestClient) -> None:
    assert upload(bursar, "students", GOOD).status_code == 200
    fees = "term,class,vote_head,amount\n2026-1,Grade 6,Tuition,99999999999999999999\n"
    answer = upload(bursar, "fees", fees, name="fees.csv")
    assert answer.status_code == 422 and "Nothing was imported from fees.csv" in answer.text
    assert "<td>2</td>" in answer.text and "more than KES 10,000,000.00" in answer.text


def test_a_file_that_is_not_utf8_is_refused_in_words(bursar: TestClient) -> None:
    answer = upload(bursar, "students", GOOD.replace("Neema", "Né").encode("latin-1"))
    assert answer.status_code == 422 and "not UTF-8" in answer.text and "CSV UTF-8" in answer.text


def test_a_clerk_imports_records_and_a_head_teacher_cannot(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    before = students(staffed)
    sign_in(web, HEAD_A)
    assert upload(web, "students", GOOD).status_code == 403
    assert students(staffed) == before
    sign_in(web, CLERK_A)
    assert upload(web, "students", GOOD).status_code == 200
    assert students(staffed) == before + 1


MONEY_FILES = {
    "balances": "admission_no,amount\nKJA-001,-20000\n",
    "fees": "term,class,vote_head,amount\n2026-1,Grade 6,Tuition,1\n",
    "bank": "date,reference,description,amount\n2026-02-02,FT1,FEES KJA-001,20000\n",
    "mpesa-statement": "Receipt No.,Completion Time,Paid In,A/C No.\n"
    f"TKL4LOST01,{TODAY} 10:00:00,20000,KJA-001\n",
    "enrolments": "admission_no,term,vote_head,amount\nKJA-001,2026-1,Tuition,1\n",
}


def owed_and_fee_rows(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        achieng = session.scalars(select(Student.id).where(Student.admission_no == "KJA-001")).one()
        return total_owed(session, achieng), session.scalar(select(func.count()).select_from(FeeItem)) or 0


def import_kinds_offered(client: TestClient) -> list[str]:
    kinds = re.search(r'<select name="kind">(.*?)</select>', client.get("/dashboard/imports").text, re.S)
    assert kinds is not None
    return re.findall(r'<option value="([\w-]+)"', kinds.group(1))


def test_a_clerk_cannot_import_money_and_is_only_offered_records(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    before = owed_and_fee_rows(staffed)
    sign_in(web, CLERK_A)
    assert import_kinds_offered(web) == ["students", "attendance", "results", "leavers"]
    for kind, text in MONEY_FILES.items():
        refused = upload(web, kind, text, name=f"{kind}.csv")
        assert refused.status_code == 403 and "cannot" in refused.text, kind
    assert owed_and_fee_rows(staffed) == before  # the opening balance of -20,000 moved nothing


def test_a_bursar_is_offered_every_import(bursar: TestClient) -> None:
    offered = [
        "students",
        "fees",
        "balances",
        "attendance",
        "results",
        "leavers",
        "enrolments",
        "bursaries",
        "bank",
        "mpesa-statement",
    ]
    assert import_kinds_offered(bursar) == offered


def test_a_bursar_uploads_a_bank_statement_and_a_repeat_posts_nothing(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    before = owed_and_fee_rows(staffed)
    first = upload(bursar, "bank", MONEY_FILES["bank"], name="equity-feb.csv")
    assert first.status_code == 200 and "1 created" in first.text, first.text
    assert owed_and_fee_rows(staffed)[0] == before[0] - 20_000_00
    again = upload(bursar, "bank", MONEY_FILES["bank"], name="equity-feb.csv")
    assert "0 created" in again.text and "1 unchanged" in again.text
    assert owed_and_fee_rows(staffed)[0] == before[0] - 20_000_00


def rows_of(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    return list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def test_the_defaulters_list_exports_as_csv(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    enrol(staffed, "KJA-002", "=HYPERLINK(evil)")
    pay(staffed, "KJA-002", 5_000_00, "CASH-0009", PaymentSource.CASH)
    header, *rows = rows_of(bursar.get("/dashboard/exports/defaulters.csv"))
    assert header[:4] == ["admission_no", "name", "class", "owed"]
    assert rows[0][:4] == ["KJA-001", "Achieng Otieno", "Grade 6", "35000.00"]
    assert rows[0][-1] == "+254712000001"
    assert rows[1][1] == "'=HYPERLINK(evil)" and rows[1][3] == "30000.00"  # a formula stays text
    assert len(rows) == 2  # nobody from the other school


def test_collections_export_by_date_range_and_vote_head(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 12_000_00, "TKL4AB12CD", PaymentSource.MPESA_PAYBILL)
    day = TODAY.isoformat()
    _, *rows = rows_of(bursar.get("/dashboard/exports/collections.csv", params={"from": day, "to": day}))
    assert rows == [[day, "M-Pesa payment TKL4AB12CD", "KJA-001", "Achieng Otieno", "Tuition", "12000.00"]]
    with transaction(staffed) as session:
        school, _, _ = kilimani(session)
        tuition = session.scalars(select(VoteHead.id).where(VoteHead.school_id == school.id)).one()
        lunch = b.vote_head(session, school, "Lunch", 20).id
    none = bursar.get("/dashboard/exports/collections.csv", params={"from": "2000-01-01", "to": "2000-01-31"})
    assert rows_of(none)[1:] == []
    by_head = {"from": day, "to": day, "vote_head": str(tuition)}
    assert len(rows_of(bursar.get("/dashboard/exports/collections.csv", params=by_head))) == 2
    by_head["vote_head"] = str(lunch)
    assert rows_of(bursar.get("/dashboard/exports/collections.csv", params=by_head))[1:] == []


def test_the_printable_statement_is_a_plain_page_of_the_books(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 10_000_00, "CASH-0010", PaymentSource.CASH)
    with staffed() as session:
        pupil = session.scalars(select(Student.id).where(Student.admission_no == "KJA-001")).one()
    page = bursar.get(f"/dashboard/students/{pupil}/statement").text
    assert "Kilimani Junior Academy" in page and "Fee statement as at" in page
    assert "Cash payment CASH-0010" in page and "Balance due KES 25,000.00" in page
    assert 'class="topbar"' not in page  # no navigation on paper


def test_fees_page_and_invoicing_a_class_after_a_preview(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with staffed() as session:
        school, term, grade = kilimani(session)
        term_id, grade_id = term.id, grade.id

    with transaction(staffed) as session:
        b.student(session, session.get_one(SchoolClass, grade_id), "KJA-301", "Late Joiner")
    fees = bursar.get("/dashboard/fees").text
    assert "Tuition KES 35,000.00" in fees and "Invoice 1</a>" in fees
    preview_url = f"/dashboard/terms/{term_id}/classes/{grade_id}/invoice"
    preview = bursar.get(preview_url).text
    assert "2 active students; 1 already invoiced." in preview
    assert "1 to invoice: KES 35,000.00" in preview
    token = csrf_of(bursar.get(preview_url))
    done = bursar.post(preview_url, data={"csrf_token": token})
    assert done.status_code == 303
    after = bursar.get(done.headers["location"]).text
    assert "0 to invoice: KES 0.00" in after and "2 already invoiced" in after
    assert bursar.post(preview_url, data={"csrf_token": token}).status_code == 303  # again: nothing more
    with staffed() as session:
        audited = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.class")))
    assert len(audited) == 1 and audited[0].after is not None and audited[0].after["total"] == 35_000_00
    _, *rows = rows_of(bursar.get("/dashboard/exports/defaulters.csv"))
    assert any(row[1] == "Late Joiner" and row[3] == "35000.00" for row in rows)


def test_a_head_teacher_sees_the_preview_but_cannot_invoice(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    sign_in(web, HEAD_A)
    with staffed() as session:
        _, term, grade = kilimani(session)
        url = f"/dashboard/terms/{term.id}/classes/{grade.id}/invoice"
    assert web.get(url).status_code == 200
    assert web.post(url, data={"csrf_token": csrf_of(web.get(url))}).status_code == 403


def test_an_mpesa_statement_posts_a_lost_receipt_and_flags_a_payment_it_does_not_show(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 1_000_00, "TKL4GHOST9", PaymentSource.MPESA_PAYBILL)
    answer = upload(bursar, "mpesa-statement", MONEY_FILES["mpesa-statement"], name="org-portal.csv")
    assert answer.status_code == 200 and "1 created" in answer.text, answer.text
    assert "flagged for review" in answer.text and "TKL4GHOST9" in answer.text
    suspense = bursar.get("/dashboard/suspense").text
    assert "TKL4GHOST9" in suspense and f"not on the M-Pesa statement of {TODAY} to {TODAY}" in suspense


def test_a_report_downloads_as_excel_or_csv_and_an_unknown_one_is_404(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 5_000_00, "CASH-0042", PaymentSource.CASH)
    params = {"kind": "cash-book", "from": TODAY.isoformat(), "to": TODAY.isoformat()}
    excel = bursar.get("/dashboard/exports/report", params={**params, "format": "xlsx"})
    assert excel.status_code == 200 and "attachment" in excel.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(excel.content)).active
    amounts = [row[7] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert amounts == [5_000, 5_000]  # the receipt, then the totals row, as numbers
    as_csv = bursar.get("/dashboard/exports/report", params={**params, "format": "csv"})
    header, first, total = rows_of(as_csv)
    assert header[0] == "Receipt" and first[3] == "CASH-0042" and total[7] == "5000.00"
    assert bursar.get("/dashboard/exports/report", params={"kind": "payroll"}).status_code == 404
