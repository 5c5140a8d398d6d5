"""The Paybill's org-portal statement reconciled: a receipt whose C2B confirmation never came is posted
once (to the child its account names, or suspense); a Karo payment the statement does not show is flagged;
money out and uncompleted lines are left alone; a broken file is refused whole."""

# ruff: noqa: E501 (the statement below is the org portal's export line for line, wider than our lines)
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Payment, PaymentSource
from ledger.imports import ImportRefused, import_csv
from ledger.payments.recording import Received, record_payment
from tests import builders as b

TODAY = dt.date(2026, 2, 20)

STATEMENT = """\
Account Holder:,Kilimani Junior Academy
Short Code:,522533
Time Period:,01-02-2026 - 03-02-2026
Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.
TKL4AAA001,2026-02-01 09:12:44,2026-02-01 09:12:44,Pay Bill from 254712345678 - MARY OTIENO Acc. KJA-001,Completed,"5,000.00",,"105,000.00",true,Pay Bill,254712345678 - MARY OTIENO,,KJA-001
TKL4AAA002,2026-02-02 10:00:01,2026-02-02 10:00:01,Pay Bill from 254722000111 - JOHN DOE Acc. kja 002,Completed,3000.00,,"108,000.00",true,Pay Bill,254722000111 - JOHN DOE,,kja 002
TKL4AAA003,2026-02-02 11:30:00,2026-02-02 11:30:00,Pay Bill from 254733000222 - JANE ROE Acc. XYZ,Completed,700.00,,"108,700.00",true,Pay Bill,254733000222 - JANE ROE,,XYZ
TKL4AAA004,2026-02-03 08:00:00,2026-02-03 08:00:00,Pay Bill Charge,Completed,,30.00,"108,670.00",true,Pay Bill Charge,,,
TKL4AAA005,2026-02-03 09:00:00,2026-02-03 09:00:00,Pay Bill from 254744000333 - PENDING,Failed,900.00,,"108,670.00",false,Pay Bill,254744000333 - X,,KJA-001
"""


@pytest.fixture
def school(session):
    school = b.school(session, slug="kilimani", admission_prefix="KJA")
    grade = b.school_class(session, school, "Grade 7")
    b.student(session, grade, "KJA-001", "Achieng Otieno")
    b.student(session, grade, "KJA-002", "Baraka Otieno")
    session.commit()
    return school


def statement(session, school, text=STATEMENT):
    report = import_csv(session, school, "mpesa-statement", text, actor="bursar", today=TODAY)
    session.commit()
    return report


def paybill(session, school, reference, on, adm=None, amount=5_000_00):
    from ledger.records.tables import Student

    pupil = session.scalars(select(Student).where(Student.admission_no == adm)).one() if adm else None
    received = Received(PaymentSource.MPESA_PAYBILL, reference, amount, on, adm)
    record_payment(session, school.id, received, pupil, actor="daraja")
    session.commit()


def by_reference(session):
    rows = session.scalars(select(Payment).order_by(Payment.id))
    return {p.reference: (p.amount, p.student_id is not None, p.payer, p.review_reason) for p in rows}


def test_a_receipt_whose_confirmation_was_lost_is_posted_once_to_the_child(session, school):
    paybill(session, school, "TKL4AAA001", dt.date(2026, 2, 1), "KJA-001")  # its confirmation came
    report = statement(session, school)
    assert (report.rows, report.created, report.unchanged, report.notes) == (5, 2, 3, ())
    found = by_reference(session)
    assert found["TKL4AAA002"] == (3_000_00, True, "JOHN DOE", None)  # "kja 002" is KJA-002: lost, now posted
    assert found["TKL4AAA003"] == (700_00, False, "JANE ROE", None)  # XYZ is nobody: suspense
    assert "TKL4AAA004" not in found and "TKL4AAA005" not in found  # a charge; a failed payment
    assert statement(session, school).created == 0  # the same statement again posts nothing
    assert len(by_reference(session)) == 3
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_a_karo_payment_the_statement_does_not_show_is_flagged_for_review(session, school):
    paybill(session, school, "TKL4GHOST1", dt.date(2026, 2, 2), "KJA-001", 2_000_00)  # a forged callback?
    paybill(session, school, "TKL4LATER1", dt.date(2026, 2, 9), "KJA-001", 1_000_00)  # after the statement
    report = statement(session, school)
    assert report.notes == ("Not on the statement, flagged for review on the suspense page: TKL4GHOST1",)
    found = by_reference(session)
    assert found["TKL4GHOST1"][3] == "not on the M-Pesa statement of 2026-02-01 to 2026-02-03"
    assert found["TKL4LATER1"][3] is None
    student_id = session.scalars(select(Payment.student_id).where(Payment.reference == "TKL4GHOST1")).one()
    assert total_owed(session, student_id) == -(2_000_00 + 1_000_00 + 5_000_00)  # flagged, not undone


def test_a_broken_statement_is_refused_whole(session, school):
    broken = STATEMENT + "TKL4AAA002,2026-02-02 10:00:01,,again,Completed,3000.00,,,,,,,\n"
    broken += "TKL4BAD,yesterday,,x,Completed,100,,,,,,,\n"
    with pytest.raises(ImportRefused) as refused:
        statement(session, school, broken)
    assert [str(error) for error in refused.value.report.errors] == [
        "line 10: receipt TKL4AAA002 is also on line 6",
        "line 11: Completion Time 'yesterday' is not a date and time (like 2026-02-03 14:22:05)",
    ]
    session.rollback()
    assert by_reference(session) == {}
    with pytest.raises(ImportRefused, match="no header row with an M-Pesa statement's"):
        statement(session, school, "date,reference,description,amount\n2026-02-02,FT1,x,100\n")
