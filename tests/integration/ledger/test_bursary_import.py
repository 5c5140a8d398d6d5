"""Importing bursaries (admission_no,term,sponsor,amount[,vote_head]) on both databases: a good file credits
every award, a file with any bad row credits nothing and lists each, a file imported twice changes nothing."""

import datetime as dt

import pytest

from ledger.billing.invoicing import invoice_class
from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorKind
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Entry, EntryKind
from ledger.imports import ImportRefused, import_csv
from tests import builders as b

TODAY = dt.date(2026, 1, 20)
TUITION, LUNCH = 1_200_000, 450_050

GOOD = """\
admission_no,term,sponsor,amount,vote_head
A001,2026-1,NG-CDF Kibra,"5,000",
a-002,2026-1,Nairobi County,50%,Tuition
A003,2026-1,St Mary's Parish,100%,lunch
"""


@pytest.fixture
def school(session):
    school = b.school(session)
    grade7 = b.school_class(session, school, "Grade 7")
    tuition, lunch = b.vote_head(session, school, "Tuition", 10), b.vote_head(session, school, "Lunch", 20)
    term = b.term(session, school, "2026-1")
    b.fees(session, term, grade7, {tuition: TUITION, lunch: LUNCH})
    pupils = [b.student(session, grade7, f"A00{n}", f"Pupil {n}") for n in (1, 2, 3)]
    invoice_class(session, grade7, term, actor="bursar")
    session.commit()
    return {"school": school, "pupils": pupils}


def bring(session, school, text):
    report = import_csv(session, school, "bursaries", text, actor="bursar", today=TODAY)
    session.commit()
    return report


def owed(session, pupils):
    return [student_balance(session, p).total for p in pupils]


def test_a_good_file_credits_every_award_and_makes_its_sponsors(session, school):
    report = bring(session, school["school"], GOOD)
    assert (report.rows, report.created) == (3, 3)
    assert owed(session, school["pupils"]) == [
        TUITION + LUNCH - 500_000,
        TUITION // 2 + LUNCH,
        TUITION,
    ]
    kinds = {s.name: s.kind for s in session.query(Sponsor).all()}
    assert kinds == {
        "NG-CDF Kibra": SponsorKind.CDF,
        "Nairobi County": SponsorKind.COUNTY,
        "St Mary's Parish": SponsorKind.CHURCH,
    }
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_importing_the_same_file_twice_changes_nothing(session, school):
    bring(session, school["school"], GOOD)
    again = bring(session, school["school"], GOOD)
    assert (again.created, again.unchanged) == (0, 3)
    assert session.query(BursaryAward).count() == 3
    assert session.query(Entry).filter(Entry.kind == EntryKind.BURSARY).count() == 3


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(session, school):
    bad = """\
admission_no,term,sponsor,amount,vote_head
A001,2026-1,NG-CDF Kibra,5000,
A999,2026-1,NG-CDF Kibra,5000,
A002,2026-4,NG-CDF Kibra,5000,
A002,2026-1,,5000,
A002,2026-1,NG-CDF Kibra,150%,
A002,2026-1,NG-CDF Kibra,abc,
A003,2026-1,NG-CDF Kibra,1000,Boarding
A003,2026-1,NG-CDF Kibra,"20,000",
A001,2026-1,NG-CDF Kibra,5000,
A002,2026-2,NG-CDF Kibra,5000,
"""
    with pytest.raises(ImportRefused) as refused:
        bring(session, school["school"], bad)
    lines = [str(error) for error in refused.value.report.errors]
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 9, 10, 11)]
    assert "unknown admission number A999" in lines[0]
    assert "does not exist" in lines[1]
    assert "sponsor" in lines[2]
    assert "at most 100%" in lines[3]
    assert "not an amount" in lines[4]
    assert "no vote head 'Boarding'" in lines[5]
    assert "left to award" in lines[6]
    assert "also on line 2" in lines[7]
    assert "no fees" in lines[8]
    session.rollback()
    assert session.query(BursaryAward).count() == 0 and session.query(Sponsor).count() == 0
    assert owed(session, school["pupils"]) == [TUITION + LUNCH] * 3


def test_rows_of_one_file_together_may_not_pass_the_terms_fees(session, school):
    text = "admission_no,term,sponsor,amount\nA001,2026-1,CDF,60%\nA001,2026-1,County,50%\n"
    with pytest.raises(ImportRefused) as refused:
        bring(session, school["school"], text)
    assert [str(e).split(":")[0] for e in refused.value.report.errors] == ["line 3"]
