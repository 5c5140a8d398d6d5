"""Grading scales without a database: KCSE and CBC boundaries, and the KCSE mean grade."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidScore
from ledger.records.grading import CBC, KCSE, Band, Scale, grade_for, mean_grade


@pytest.mark.parametrize(
    ("score", "grade", "points"),
    [
        (100, "A", 12),
        (80, "A", 12),
        (79, "A-", 11),
        (75, "A-", 11),
        (74, "B+", 10),
        (65, "B", 9),
        (64, "B-", 8),
        (50, "C", 6),
        (49, "C-", 5),
        (30, "D-", 2),
        (29, "E", 1),
        (0, "E", 1),
    ],
)
def test_kcse_boundaries(score, grade, points):
    band = grade_for(KCSE, score)

    assert (band.grade, band.points) == (grade, points)


@pytest.mark.parametrize(
    ("score", "level"), [(100, "EE"), (80, "EE"), (79, "ME"), (65, "ME"), (64, "AE"), (50, "AE"), (49, "BE")]
)
def test_cbc_levels(score, level):
    assert grade_for(CBC, score).grade == level


@pytest.mark.parametrize(
    ("points", "grade"),
    [
        ([9, 8], "B"),  # a mean of 8.5 rounds half up to B (9)
        ([9, 8, 8], "B-"),  # 8.33 rounds down
        ([12] * 7, "A"),
        ([1] * 7, "E"),
        ([12, 12, 11, 11, 10, 10, 10], "A-"),  # 10.86
    ],
)
def test_kcse_mean_grade_from_points(points, grade):
    assert mean_grade(KCSE, points) == grade


def test_cbc_mean_of_two_and_a_half_rounds_up_to_meeting_expectations():
    assert mean_grade(CBC, [3, 2]) == "ME"


@pytest.mark.parametrize("score", [101, -1])
def test_a_score_outside_0_to_100_is_refused(score):
    with pytest.raises(InvalidScore):
        grade_for(KCSE, score)


def test_bands_given_in_any_order_grade_the_same():
    shuffled = Scale("CBC", tuple(reversed(CBC.bands)))

    assert [grade_for(shuffled, s).grade for s in (0, 50, 65, 80)] == ["BE", "AE", "ME", "EE"]


@pytest.mark.parametrize(
    "bands",
    [
        (Band("P", 50, 2), Band("F", 10, 1)),  # scores under 10 would have no grade
        (Band("P", 50, 2), Band("P", 0, 1)),  # the same grade twice
        (Band("P", 50, 1), Band("F", 0, 2)),  # a higher band with fewer points
    ],
)
def test_a_scale_that_would_misgrade_someone_is_refused(bands):
    with pytest.raises(ValueError):
        Scale("broken", bands)


@st.composite
def scales(draw: st.DrawFn) -> Scale:
    """The defaults, or any valid scale a school might store: distinct minimums from 0, rising points."""
    if draw(st.booleans()):
        return draw(st.sampled_from([KCSE, CBC]))
    minimums = sorted(draw(st.sets(st.integers(1, 100), max_size=14)) | {0})
    points = sorted(draw(st.sets(st.integers(0, 50), min_size=len(minimums), max_size=len(minimums))))
    return Scale(
        "school", tuple(Band(f"G{i}", m, p) for i, (m, p) in enumerate(zip(minimums, points, strict=True)))
    )


@given(scale=scales(), score=st.integers(0, 100), other=st.integers(0, 100))
def test_every_score_falls_in_exactly_one_band_and_more_never_earns_fewer_points(scale, score, other):
    ascending = sorted(scale.bands, key=lambda band: band.min_score)
    uppers = [band.min_score for band in ascending[1:]] + [101]
    holding = [band for band, upper in zip(ascending, uppers, strict=True) if band.min_score <= score < upper]

    assert len(holding) == 1
    assert grade_for(scale, score) == holding[0]
    low, high = sorted((score, other))
    assert grade_for(scale, low).points <= grade_for(scale, high).points
