"""Importing enrolments in optional fee items: fees, then enrolments, then invoicing bills only the
enrolled; a bad file imports nothing; a second import changes nothing; a change after invoicing charges."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.billing.enrolments import Enrolment
from ledger.billing.invoicing import invoice_class
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Entry, EntryKind
from ledger.imports import ImportRefused, import_csv
from ledger.records.tables import FeeItem, SchoolClass, Student, Term
from tests import builders as b

TODAY = dt.date(2026, 2, 10)  # in term 2026-1 by the usual calendar

STUDENTS = """\
admission_no,name,class,guardian_name,guardian_phone
E001,Achieng Otieno,Grade 5,Mary Otieno,0712345678
E002,Baraka Mwangi,Grade 5,John Mwangi,0712345679
E003,Chebet Kiprop,Grade 6,Ruth Kiprop,0722000111
"""

FEES = """\
term,class,vote_head,amount
2026-1,Grade 5,Tuition,12000
2026-1,Grade 5,Transport,3000
2026-1,Grade 6,Tuition,13000
2026-1,Grade 6,Transport,3500
"""

ENROLMENTS = """\
admission_no,term,vote_head,amount
E001,2026-1,Transport,
E003,2026-1,transport,"4,000"
"""


def load(session, school, kind, text, today=TODAY):
    report = import_csv(session, school, kind, text, actor="bursar", today=today)
    session.commit()
    return report


def invoice_all(session, school):
    term = session.scalars(select(Term).where(Term.school_id == school.id)).one()
    for school_class in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)):
        invoice_class(session, school_class, term, actor="t", notify=False)
    session.commit()


def owed(session, adm):
    student = session.scalars(select(Student).where(Student.admission_no == adm)).one()
    return total_owed(session, student.id)


@pytest.fixture
def school(session):
    school = b.school(session)
    session.commit()
    load(session, school, "students", STUDENTS)
    load(session, school, "fees", FEES)
    return school


def test_fees_then_enrolments_then_invoicing_bills_only_the_enrolled(session, school):
    report = load(session, school, "enrolments", ENROLMENTS)
    assert (report.rows, report.created) == (2, 2)
    assert report.notes == (
        "Transport in term 2026-1 is now optional, billed only to the enrolled: Grade 5, Grade 6",
    )
    assert session.scalar(select(func.count()).where(FeeItem.optional.is_(True))) == 2
    invoice_all(session, school)
    assert [owed(session, adm) for adm in ("E001", "E002", "E003")] == [1_500_000, 1_200_000, 1_700_000]
    again = load(session, school, "enrolments", ENROLMENTS)
    assert (again.created, again.updated, again.unchanged, again.notes) == (0, 0, 2, ())
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 2
    assert session.scalar(select(func.count()).where(Entry.kind == EntryKind.CHARGE)) == 0
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_a_file_with_bad_rows_imports_nothing_and_names_every_one(session, school):
    bad = """\
admission_no,term,vote_head,amount
E001,2026-1,Transport,
E999,2026-1,Transport,
E002,2026-2,Transport,
E002,2026-1,Bus,
E002,2026-1,Tuition,-5
E001,2026-1,Transport,
E002,2026-1,Library,
"""
    b.vote_head(session, school, "Library", 90)
    session.commit()
    with pytest.raises(ImportRefused) as refused:
        load(session, school, "enrolments", bad)
    assert [str(error) for error in refused.value.report.errors] == [
        "line 3: unknown admission number E999; import the student first or fix the number",
        "line 4: the school has no term 2026-2 yet; import its fees first",
        "line 5: unknown vote head 'Bus'; the school has Library, Transport, Tuition"
        " (a fees import adds them)",
        "line 6: amount KES -5.00 must be more than zero (empty: the class fee)",
        "line 7: E001 in Transport for term 2026-1 is also on line 2",
        "line 8: Library has no fee for Grade 5 in term 2026-1; give an amount",
    ]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 0
    assert session.scalar(select(func.count()).where(FeeItem.optional.is_(True))) == 0


def test_after_invoicing_an_enrolment_is_a_charge_from_the_import_day(session, school):
    load(session, school, "enrolments", "admission_no,term,vote_head\nE001,2026-1,Transport\n")
    invoice_all(session, school)
    term = session.scalars(select(Term)).one()
    report = load(session, school, "enrolments", "admission_no,term,vote_head\nE002,2026-1,Transport\n")
    assert report.created == 1
    days_left = (term.ends_on - TODAY).days + 1
    term_days = (term.ends_on - term.starts_on).days + 1
    expected = (2 * 300_000 * days_left + term_days) // (2 * term_days)
    assert owed(session, "E002") == 1_200_000 + expected
    charge = session.scalars(select(Entry).where(Entry.kind == EntryKind.CHARGE)).one()
    assert charge.effective_on == TODAY
    load(session, school, "enrolments", "admission_no,term,vote_head\nE002,2026-1,Transport\n")
    assert session.scalar(select(func.count()).where(Entry.kind == EntryKind.CHARGE)) == 1


def test_an_item_billed_to_the_whole_class_cannot_become_optional_by_import(session, school):
    invoice_all(session, school)
    with pytest.raises(ImportRefused) as refused:
        load(session, school, "enrolments", "admission_no,term,vote_head\nE001,2026-1,Transport\n")
    assert "it can only become optional before invoicing" in str(refused.value.report.errors[0])


def test_a_fees_file_cannot_change_an_invoiced_class_behind_its_invoices(session, school):
    invoice_all(session, school)
    with pytest.raises(ImportRefused) as refused:
        load(session, school, "fees", FEES.replace("12000", "12500"))
    assert str(refused.value.report.errors[0]) == (
        "line 2: Grade 5 is already invoiced for term 2026-1: change Tuition on the dashboard's fee "
        "structure (a charge or credit to each student)"
    )
    assert load(session, school, "fees", FEES).unchanged == 4  # the same file is still fine
