"""A bank statement imported: deposits matched to students by the admission number in their reference or
description, the rest to suspense, debits ignored, nothing posted twice across overlapping statements, and
a malformed file refused whole."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Payment, PaymentSource
from ledger.imports import ImportRefused, import_csv
from tests import builders as b

TODAY = dt.date(2026, 2, 20)

FIRST = """\
date,reference,description,amount
2026-02-02,FT26033ABC,FEES KJA/2026/001 MAMA ACHIENG,"15,000.00"
03/02/2026,FT26034DEF,Deposit kja 2026 002,8000
2026-02-04,FT26035GHI,SCHOOL FEES KJA/2026/099 (mistyped),5000
2026-02-05,CHG0001,Ledger fee,-150.00
2026-02-06,CHQ000123,Cheque paid to supplier,"-42,000"
"""

SECOND = """\
date,reference,description,amount
2026-02-04,FT26035GHI,SCHOOL FEES KJA/2026/099 (mistyped),5000
2026-02-05,CHG0001,Ledger fee,-150.00
2026-02-09,FT26040JKL,FEES KJA-2026-001 balance,2500.50
"""

EQUITY = """\
Account Name,KILIMANI JUNIOR ACADEMY
Account Number,0123456789
Period,01/02/2026 - 28/02/2026
Transaction Date,Value Date,Narrative,Transaction Reference,Debit,Credit,Running Balance
02-Feb-2026,02-Feb-2026,CASH DEP KJA2026001,EQ111,,"3,000.00","103,000.00"
03-Feb-2026,03-Feb-2026,SMS ALERT CHARGES,EQ112,30.00,,"102,970.00"
"""

NO_REFERENCE = """\
date,reference,description,amount
2026-02-10,,CASH DEPOSIT KJA/2026/002,1000
2026-02-10,,CASH DEPOSIT KJA/2026/002,1000
"""


@pytest.fixture
def school(session):
    school = b.school(session, slug="kilimani", admission_prefix="KJA")
    grade = b.school_class(session, school, "Grade 7")
    b.student(session, grade, "KJA-2026-001", "Achieng Otieno")
    b.student(session, grade, "KJA/2026/002", "Baraka Otieno")
    session.commit()
    return school


def bank(session, school, text, layout=None):
    report = import_csv(session, school, "bank", text, actor="bursar", today=TODAY, layout=layout)
    session.commit()
    return report


def payments(session, school):
    query = select(Payment).where(Payment.school_id == school.id).order_by(Payment.id)
    return [(p.reference, p.amount, p.student_id is not None) for p in session.scalars(query)]


def owed(session, school, adm):
    student = next(s for s in school_students(session, school) if s.admission_no == adm)
    return total_owed(session, student.id)


def school_students(session, school):
    from ledger.records.tables import Student

    return session.scalars(select(Student).where(Student.school_id == school.id)).all()


def test_deposits_reach_the_child_named_the_mistyped_go_to_suspense_and_debits_are_ignored(session, school):
    report = bank(session, school, FIRST)
    assert (report.rows, report.created, report.unchanged) == (5, 3, 2)
    assert payments(session, school) == [
        ("FT26033ABC", 15_000_00, True),
        ("FT26034DEF", 8_000_00, True),  # "kja 2026 002" names KJA/2026/002
        ("FT26035GHI", 5_000_00, False),  # KJA/2026/099 is nobody: suspense, for the bursar to allocate
    ]
    sources = set(session.scalars(select(Payment.source)))
    assert sources == {PaymentSource.BANK}
    assert owed(session, school, "KJA-2026-001") == -15_000_00  # no fees yet: credit
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_an_overlapping_second_statement_posts_only_its_new_lines(session, school):
    bank(session, school, FIRST)
    again = bank(session, school, SECOND)
    assert (again.created, again.unchanged) == (1, 2)
    assert [reference for reference, *_ in payments(session, school)] == [
        "FT26033ABC",
        "FT26034DEF",
        "FT26035GHI",
        "FT26040JKL",
    ]
    assert bank(session, school, FIRST).created == 0  # the first statement once more: nothing


def test_a_malformed_statement_is_refused_whole_with_every_bad_line(session, school):
    broken = FIRST + "2026-02-31,FT1,FEES KJA/2026/001,100\n2026-02-07,FT2,FEES,1.234\n"
    broken += "2026-02-08,FT26033ABC,FEES KJA/2026/001,999\n"
    with pytest.raises(ImportRefused) as refused:
        bank(session, school, broken)
    assert [str(error) for error in refused.value.report.errors] == [
        "line 7: date '2026-02-31' is not a real date",
        "line 8: amount '1.234' is not an amount in KES (like 1500 or 1,500.50)",
        "line 9: reference FT26033ABC is also on line 2 with another amount",
    ]
    session.rollback()
    assert payments(session, school) == []


def test_a_banks_own_export_is_read_after_its_account_lines_by_layout(session, school):
    report = bank(session, school, EQUITY)  # the layout is found from the header
    assert (report.created, report.unchanged) == (1, 1)
    assert payments(session, school) == [("EQ111", 3_000_00, True)]
    assert bank(session, school, EQUITY, layout="equity").created == 0
    with pytest.raises(ImportRefused, match="no header row with the kcb layout's columns"):
        bank(session, school, EQUITY, layout="kcb")
    with pytest.raises(ImportRefused, match="unknown bank layout 'barclays'; choose one of generic, equity"):
        bank(session, school, EQUITY, layout="barclays")


def test_lines_without_a_reference_are_told_apart_and_never_posted_twice(session, school):
    assert bank(session, school, NO_REFERENCE).created == 2  # two deposits of the same day and amount
    assert bank(session, school, NO_REFERENCE).created == 0
    count = session.scalar(select(func.count()).select_from(Payment))
    assert count == 2 and owed(session, school, "KJA/2026/002") == -2_000_00


def test_a_line_naming_two_children_waits_in_suspense(session, school):
    both = "date,reference,description,amount\n2026-02-11,FT9,FEES KJA/2026/001 AND KJA/2026/002,9000\n"
    bank(session, school, both)
    assert payments(session, school) == [("FT9", 9_000_00, False)]
