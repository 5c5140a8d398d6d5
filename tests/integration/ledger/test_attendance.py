"""Attendance as a parent sees it: a term's days, lateness counted as present, recent absences."""

import datetime as dt

import pytest

from ledger.errors import LedgerError
from ledger.records.attendance import AttendanceStatus, attendance_summary, record_attendance
from tests import builders as b

PRESENT, ABSENT, LATE, EXCUSED = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.LATE,
    AttendanceStatus.EXCUSED,
)


@pytest.fixture
def school(session):
    return b.school(session)


@pytest.fixture
def grade7(session, school):
    return b.school_class(session, school, "Grade 7 East")


@pytest.fixture
def pupil(session, grade7):
    return b.student(session, grade7, "A001", "Achieng Otieno")


@pytest.fixture
def term(session, school):
    return b.term(session, school, "2026-1")  # 5 Jan .. 5 Apr 2026


def day(n: int) -> dt.date:
    return dt.date(2026, 2, n)


def test_late_days_count_as_present_in_the_terms_percentage(session, pupil, term):
    for n, status in enumerate([PRESENT, PRESENT, LATE, ABSENT, EXCUSED, PRESENT, LATE, PRESENT], start=2):
        record_attendance(session, pupil, day(n), status)
    session.commit()

    summary = attendance_summary(session, pupil, term)

    assert (summary.days_recorded, summary.present, summary.late) == (8, 6, 2)
    assert (summary.absent, summary.excused) == (1, 1)
    assert summary.percent_present == 75.0
    assert summary.term == "2026-1"
    assert (summary.student.name, summary.student.class_name) == ("Achieng Otieno", "Grade 7 East")


def test_days_outside_the_term_are_left_out(session, pupil, term):
    record_attendance(session, pupil, dt.date(2026, 1, 4), ABSENT)  # the day before term opens
    record_attendance(session, pupil, term.starts_on, PRESENT)
    record_attendance(session, pupil, term.ends_on, ABSENT)
    record_attendance(session, pupil, dt.date(2026, 5, 6), ABSENT)  # next term

    summary = attendance_summary(session, pupil, term)

    assert (summary.days_recorded, summary.present, summary.absent) == (2, 1, 1)
    assert summary.recent_absences == (term.ends_on,)


def test_recent_absences_are_newest_first_and_capped(session, pupil, term):
    for n in [3, 10, 5, 17, 12, 24, 20]:
        record_attendance(session, pupil, day(n), ABSENT)
    record_attendance(session, pupil, day(25), EXCUSED)  # excused is not an absence to report

    summary = attendance_summary(session, pupil, term, recent=3)

    assert summary.absent == 7
    assert summary.recent_absences == (day(24), day(20), day(17))


def test_recording_a_day_again_changes_it_instead_of_adding_a_second_day(session, pupil, term):
    assert record_attendance(session, pupil, day(9), ABSENT) is True
    assert record_attendance(session, pupil, day(9), ABSENT) is False  # the same again: nothing to do
    assert record_attendance(session, pupil, day(9), LATE, note="  matatu broke down ") is True
    assert record_attendance(session, pupil, day(9), LATE, note="matatu broke down") is False
    session.commit()

    summary = attendance_summary(session, pupil, term)

    assert (summary.days_recorded, summary.absent, summary.late, summary.present) == (1, 0, 1, 1)
    assert summary.recent_absences == ()


def test_a_term_with_no_register_shows_nothing_recorded(session, pupil, term):
    summary = attendance_summary(session, pupil, term)

    assert (summary.days_recorded, summary.percent_present, summary.recent_absences) == (0, 0.0, ())


def test_another_childs_register_does_not_leak_in(session, grade7, pupil, term):
    sibling = b.student(session, grade7, "A002", "Otieno Junior")
    record_attendance(session, sibling, day(3), ABSENT)
    record_attendance(session, pupil, day(3), PRESENT)

    assert attendance_summary(session, pupil, term).absent == 0
    assert attendance_summary(session, sibling, term).recent_absences == (day(3),)


def test_an_overlong_note_is_refused_not_cut(session, pupil, term):
    with pytest.raises(LedgerError):
        record_attendance(session, pupil, day(3), EXCUSED, note="x" * 201)
    assert attendance_summary(session, pupil, term).days_recorded == 0
