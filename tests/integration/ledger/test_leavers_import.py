"""Importing leavers (admission_no,date,reason): every bad row named, nothing imported; twice, no change."""

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.imports import ImportRefused, import_csv
from ledger.records.tables import Student
from tests import builders as b

TODAY = dt.date(2026, 6, 1)
GOOD = """\
admission_no,date,reason
L-1,2026-04-30,Transferred
L 2,30/05/2026,graduated
"""
BAD = """\
admission_no,date,reason
L-1,2026-04-30,expelled
L-9,2026-04-30,other
L-2,2026-06-02,other
L-3,yesterday,other
L-1,2026-04-01,other
"""


@pytest.fixture
def school(session):
    school = b.school(session)
    grade = b.school_class(session, school, "Grade 3")
    for n in (1, 2, 3):
        b.student(session, grade, f"L-{n}")
    session.commit()
    return school


def standing(session):
    rows = session.execute(
        select(Student.admission_no, Student.active, Student.left_on, Student.leave_reason)
    )
    return sorted(tuple(row) for row in rows)


def test_leavers_are_marked_once_and_importing_again_changes_nothing(session, school):
    report = import_csv(session, school, "leavers", GOOD, actor="t", today=TODAY)
    session.commit()
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert standing(session) == [
        ("L-1", False, dt.date(2026, 4, 30), "transferred"),
        ("L-2", False, dt.date(2026, 5, 30), "graduated"),
        ("L-3", True, None, None),
    ]
    again = import_csv(session, school, "leavers", GOOD, actor="t", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    corrected = import_csv(
        session, school, "leavers", GOOD.replace("2026-04-30", "2026-04-29"), actor="t", today=TODAY
    )
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, 1)


def test_a_file_with_bad_rows_imports_nothing_and_names_each(session, school):
    with pytest.raises(ImportRefused) as refused:
        import_csv(session, school, "leavers", BAD, actor="t", today=TODAY)
    assert [str(error) for error in refused.value.report.errors] == [
        "line 2: reason 'expelled' is not one of transferred, graduated, withdrawn, other",
        "line 3: unknown admission number L-9; import the student first or fix the number",
        "line 4: date 2026-06-02 is in the future",
        "line 5: date 'yesterday' is not a date; write it as YYYY-MM-DD (e.g. 2026-01-15)",
        "line 6: admission number L-1 is also on line 2",
    ]
    session.rollback()
    assert all(active for _, active, _, _ in standing(session))


def test_a_leavers_file_without_its_reason_column_is_refused_at_the_header(session, school):
    with pytest.raises(ImportRefused, match="missing column reason"):
        import_csv(session, school, "leavers", "admission_no,date\nL-1,2026-04-30\n", actor="t", today=TODAY)
