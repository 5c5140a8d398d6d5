"""Exam results as a parent reads them: subject grades, mean score, KCSE-style mean grade."""

import pytest
from sqlalchemy import func, select

from ledger.errors import InvalidScore, NotFound
from ledger.records.grading import GradeBand, GradingScale, ensure_default_scales, load_scale
from ledger.records.results import Score, exam_summary, get_or_create_exam, latest_exams, record_score
from tests import builders as b


@pytest.fixture
def school(session):
    return b.school(session)


@pytest.fixture
def form3(session, school):
    return b.school_class(session, school, "Form 3 West")


@pytest.fixture
def pupil(session, form3):
    return b.student(session, form3, "F3-017", "Kiprono Cheruiyot")


@pytest.fixture
def term(session, school):
    return b.term(session, school, "2026-1")


@pytest.fixture
def exam(session, school, term):
    return get_or_create_exam(session, school.id, term, "End term")


def test_mean_points_of_eight_and_a_half_round_up_to_a_b(session, exam, pupil):
    b.scores(session, exam, pupil, {"Mathematics": 65, "English": 60})  # B (9) and B- (8)
    session.commit()

    summary = exam_summary(session, exam, pupil)

    assert [(s.subject, s.grade, s.points) for s in summary.subjects] == [
        ("English", "B-", 8),
        ("Mathematics", "B", 9),
    ]
    assert (summary.mean_score, summary.mean_grade) == (62.5, "B")
    assert (summary.exam, summary.term, summary.student.class_name) == ("End term", "2026-1", "Form 3 West")


def test_kcse_boundaries_grade_each_subject(session, exam, pupil):
    b.scores(session, exam, pupil, {"Biology": 79, "Chemistry": 80, "Physics": 29, "History": 30})

    grades = {s.subject: s.grade for s in exam_summary(session, exam, pupil).subjects}

    assert grades == {"Biology": "A-", "Chemistry": "A", "Physics": "E", "History": "D-"}


def test_mean_grade_counts_only_the_best_seven_subjects(session, exam, pupil):
    seven_as = {subject: 80 for subject in ["Eng", "Kis", "Mat", "Bio", "Che", "Phy", "Geo"]}
    b.scores(session, exam, pupil, {**seven_as, "Art": 10})  # an E that the best seven leave out

    summary = exam_summary(session, exam, pupil)

    assert len(summary.subjects) == 8
    assert summary.mean_grade == "A"  # all eight would give 85/8 = 10.6 points, an A-
    assert summary.mean_score == 71.3  # 570/8 = 71.25, rounded half up; the mean score uses every subject


def test_cbc_exam_reports_levels(session, school, term, pupil):
    exam = get_or_create_exam(session, school.id, term, "Grade 9 assessment", scale_name="CBC")
    b.scores(session, exam, pupil, {"Mathematics": 82, "English": 70, "Kiswahili": 55, "Science": 40})

    summary = exam_summary(session, exam, pupil)

    assert [s.grade for s in summary.subjects] == [
        "ME",
        "AE",
        "EE",
        "BE",
    ]  # English, Kiswahili, Maths, Science
    assert summary.mean_grade == "ME"  # points 3, 2, 4, 1: a mean of 2.5 rounds up to ME (3)


def test_strongest_and_weakest_subject_ties_go_to_the_first_name(session, exam, pupil):
    b.scores(session, exam, pupil, {"Physics": 50, "Chemistry": 70, "English": 50, "Biology": 70})

    summary = exam_summary(session, exam, pupil)

    assert (summary.strongest, summary.weakest) == ("Biology", "English")


def test_a_single_subject_names_no_strongest_or_weakest(session, exam, pupil):
    b.scores(session, exam, pupil, {"Mathematics": 55})

    summary = exam_summary(session, exam, pupil)

    assert (summary.strongest, summary.weakest, summary.mean_grade) == (None, None, "C+")


def test_a_grade_given_by_the_school_is_kept_over_the_computed_one(session, exam, pupil):
    record_score(session, exam, pupil, "Mathematics", 62, grade=" b+ ")  # the scale alone would say B-
    record_score(session, exam, pupil, "English", 70)
    record_score(session, exam, pupil, "Art", 0, grade="X")  # absent: a grade the scale does not know

    subjects = {s.subject: (s.grade, s.points) for s in exam_summary(session, exam, pupil).subjects}

    assert subjects == {"Mathematics": ("B+", 10), "English": ("B+", 10), "Art": ("X", None)}
    assert exam_summary(session, exam, pupil).mean_grade == "B+"  # "X" earns no points and is left out


def test_a_score_of_101_is_refused_and_nothing_is_stored(session, exam, pupil):
    with pytest.raises(InvalidScore):
        record_score(session, exam, pupil, "Mathematics", 101)
    with pytest.raises(InvalidScore):
        record_score(session, exam, pupil, "Mathematics", -1)

    assert exam_summary(session, exam, pupil) is None


def test_re_recording_a_subject_corrects_it_rather_than_adding_another(session, exam, pupil):
    assert record_score(session, exam, pupil, "Mathematics", 48) is True
    assert record_score(session, exam, pupil, "Mathematics", 48) is False
    assert record_score(session, exam, pupil, " Mathematics ", 84) is True
    session.commit()

    summary = exam_summary(session, exam, pupil)

    assert [(s.subject, s.score, s.grade) for s in summary.subjects] == [("Mathematics", 84, "A")]
    assert session.scalar(select(func.count()).select_from(Score)) == 1


def test_latest_exams_are_the_newest_the_student_sat(session, school, form3, pupil):
    last_year = b.term(session, school, "2025-3")
    first, second = b.term(session, school, "2026-1"), b.term(session, school, "2026-2")
    sat = {
        "2025 end term": get_or_create_exam(session, school.id, last_year, "End term"),
        "2026-1 opener": get_or_create_exam(session, school.id, first, "Opener"),
        "2026-1 mid-term": get_or_create_exam(session, school.id, first, "Mid-term"),
        "2026-2 opener": get_or_create_exam(session, school.id, second, "Opener"),
    }
    for exam in sat.values():
        b.scores(session, exam, pupil, {"English": 60})
    not_sat = get_or_create_exam(session, school.id, second, "Mid-term")
    b.scores(session, not_sat, b.student(session, form3, "F3-018"), {"English": 70})

    latest = latest_exams(session, pupil)

    assert [e.id for e in latest] == [
        sat[k].id for k in ["2026-2 opener", "2026-1 mid-term", "2026-1 opener"]
    ]
    assert len(latest_exams(session, pupil, limit=10)) == 4


def test_a_student_without_scores_has_no_summary(session, exam, pupil):
    assert exam_summary(session, exam, pupil) is None
    assert latest_exams(session, pupil) == []


def test_an_exam_is_found_again_by_its_name(session, school, term, exam):
    assert get_or_create_exam(session, school.id, term, " End  term ").id == exam.id
    with pytest.raises(NotFound):
        get_or_create_exam(session, school.id, term, "Mock", scale_name="IGCSE")


def test_a_school_can_edit_its_own_cbc_bands(session, school, term, pupil):
    ensure_default_scales(session, school)
    cbc = session.scalars(
        select(GradingScale).where(GradingScale.school_id == school.id, GradingScale.name == "CBC")
    ).one()
    next(band for band in cbc.bands if band.grade == "ME").min_score = 60
    session.flush()
    ensure_default_scales(session, school)  # again: adds nothing and keeps the school's edit
    exam = get_or_create_exam(session, school.id, term, "Grade 8 assessment", scale_name="CBC")
    b.scores(session, exam, pupil, {"Science": 62})

    assert exam_summary(session, exam, pupil).subjects[0].grade == "ME"  # the default bands say AE
    assert session.scalar(select(func.count()).select_from(GradeBand)) == 12 + 4
    assert (
        load_scale(session, b.school(session).id, "CBC").bands[1].min_score == 65
    )  # others keep the default
