"""Grading scales as data per school: 8-4-4 (KCSE) letter grades with points, and CBC levels.

The tables hold each school's scales; ``Scale`` and the functions on it are pure, so grading is tested
without a database. A school that never stored a scale is graded by the defaults below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ledger.bulk import insert_or_fetch
from ledger.db import Base, read_rows
from ledger.errors import InvalidScore, NotFound
from ledger.records.tables import School


class GradingScale(Base):
    __tablename__ = "grading_scales"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(40))

    bands: Mapped[list[GradeBand]] = relationship(
        cascade="all, delete-orphan", order_by="GradeBand.min_score"
    )


class GradeBand(Base):
    """A grade and the lowest score that earns it; it holds up to the next band's ``min_score``."""

    __tablename__ = "grade_bands"
    __table_args__ = (
        UniqueConstraint("scale_id", "grade"),
        CheckConstraint("min_score >= 0 AND min_score <= 100", name="min_score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("grading_scales.id"))
    grade: Mapped[str] = mapped_column(String(4))
    min_score: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Band:
    grade: str
    min_score: int
    points: int


@dataclass(frozen=True)
class Scale:
    """A grading scale; its bands are kept highest first and checked to cover 0..100."""

    name: str
    bands: tuple[Band, ...]

    def __post_init__(self) -> None:
        bands = tuple(sorted(self.bands, key=lambda b: b.min_score, reverse=True))
        _check_bands(self.name, bands)
        object.__setattr__(self, "bands", bands)


def _check_bands(name: str, bands: tuple[Band, ...]) -> None:
    # A broken scale would grade some child wrongly without anyone noticing: refuse it when it is built.
    if not bands or bands[-1].min_score != 0:
        raise ValueError(f"grading scale {name!r} must have a band starting at 0")
    if len({b.grade for b in bands}) != len(bands) or len({b.min_score for b in bands}) != len(bands):
        raise ValueError(f"grading scale {name!r} repeats a grade or a minimum score")
    if bands[0].min_score > 100:
        raise ValueError(f"grading scale {name!r} has a band above 100")
    if any(higher.points <= lower.points for higher, lower in pairwise(bands)):
        raise ValueError(f"grading scale {name!r} must give more points for a higher band")


KCSE = Scale(
    "8-4-4",
    (
        Band("A", 80, 12),
        Band("A-", 75, 11),
        Band("B+", 70, 10),
        Band("B", 65, 9),
        Band("B-", 60, 8),
        Band("C+", 55, 7),
        Band("C", 50, 6),
        Band("C-", 45, 5),
        Band("D+", 40, 4),
        Band("D", 35, 3),
        Band("D-", 30, 2),
        Band("E", 0, 1),
    ),
)

# Sources disagree on the CBC percentage bands (80/65/50 here; others give 76/51/26), which is why
# scales are data that each school can edit rather than constants.
CBC = Scale("CBC", (Band("EE", 80, 4), Band("ME", 65, 3), Band("AE", 50, 2), Band("BE", 0, 1)))

DEFAULT_SCALES = {scale.name: scale for scale in (KCSE, CBC)}


def grade_for(scale: Scale, score: int) -> Band:
    """The band a score (0..100) falls in."""
    if not 0 <= score <= 100:
        raise InvalidScore(f"a score must be between 0 and 100, not {score}")
    return next(band for band in scale.bands if score >= band.min_score)


def band_named(scale: Scale, grade: str) -> Band | None:
    """The band with this grade, or None when the scale has no such grade."""
    return next((band for band in scale.bands if band.grade == grade), None)


def mean_grade(scale: Scale, points: Sequence[int]) -> str:
    """The grade whose points are nearest the mean points, halves rounding up (8.5 gives 9), as KCSE does."""
    if not points:
        raise ValueError("a mean grade needs at least one subject's points")
    # A Fraction, not a float, so that a mean of exactly x.5 is recognised as a tie and rounds up.
    mean = Fraction(sum(points), len(points))
    return min(scale.bands, key=lambda band: (abs(band.points - mean), -band.points)).grade


# A scale and its bands in one statement, as Core rows (no band: the school stored no such scale).
SCALE_BANDS = (
    select(GradingScale.id, GradeBand.grade, GradeBand.min_score, GradeBand.points)
    .outerjoin(GradeBand, GradeBand.scale_id == GradingScale.id)
    .where(GradingScale.school_id == bindparam("school_id"), GradingScale.name == bindparam("name"))
)


def load_scale(session: Session, school_id: int, name: str) -> Scale:
    """The school's scale of this name; a default scale ("8-4-4", "CBC") when the school stored none."""
    rows = read_rows(session, SCALE_BANDS, {"school_id": school_id, "name": name}).all()
    if rows:
        return Scale(
            name, tuple(Band(grade, low, points) for _, grade, low, points in rows if grade is not None)
        )
    if name in DEFAULT_SCALES:
        return DEFAULT_SCALES[name]
    raise NotFound(f"no grading scale named {name!r} in this school")


def ensure_default_scales(session: Session, school: School) -> None:
    """Store the default 8-4-4 and CBC scales for the school, leaving any it already has as they are."""
    for default in DEFAULT_SCALES.values():
        _store_if_missing(session, school.id, default)


def _store_if_missing(session: Session, school_id: int, scale: Scale) -> None:
    query = select(GradingScale).where(GradingScale.school_id == school_id, GradingScale.name == scale.name)
    values = {"school_id": school_id, "name": scale.name}
    row, created = insert_or_fetch(
        session, GradingScale, values, lambda: session.scalars(query).one_or_none()
    )
    # If another transaction stored the same scale first, theirs stands, bands and all.
    if created:
        row.bands = [GradeBand(grade=b.grade, min_score=b.min_score, points=b.points) for b in scale.bands]
        session.flush()
