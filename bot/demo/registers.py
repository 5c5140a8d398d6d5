"""Demo registers: daily attendance for the school days so far, and two exams' results, as CSV text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator, Sequence

from bot.demo.people import Pupil

# Fixed-date public holidays (Labour, Madaraka, Mazingira, Mashujaa, Jamhuri) when schools close.
HOLIDAYS = {(5, 1), (6, 1), (10, 10), (10, 20), (12, 12)}
STATUSES = (("present", 0.91), ("late", 0.04), ("absent", 0.04), ("excused", 0.01))
ABSENCE_NOTES = ("", "", "sick", "called in: fever", "no note")
EXCUSED_NOTES = ("hospital appointment", "family function", "music festival")
UPPER_PRIMARY = (
    "English", "Kiswahili", "Mathematics", "Science and Technology", "Social Studies", "Agriculture",
    "Creative Arts",
)  # fmt: skip
JUNIOR_SCHOOL = (
    "English", "Kiswahili", "Mathematics", "Integrated Science", "Social Studies", "Pre-Technical Studies",
    "Creative Arts and Sports",
)  # fmt: skip
EXAMS = ("Opener", "Mid-term")


def school_days(starts_on: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Weekdays from ``starts_on`` to ``last`` inclusive, public holidays left out."""
    day = starts_on
    while day <= last:
        if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
            yield day
        day += dt.timedelta(days=1)


def attendance_csv(seed: str, pupils: Sequence[Pupil], days: Sequence[dt.date]) -> str:
    """Each pupil's status on each day: mostly present. A day's register depends only on the day,
    so a later run adds the new days and leaves the earlier ones as they were."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("admission_no", "date", "status", "note"))
    for day in days:
        rng = random.Random(f"{seed}:attendance:{day.isoformat()}")
        for pupil in pupils:
            status = _status(rng)
            writer.writerow((pupil.admission_no, day.isoformat(), status, _note(rng, status)))
    return out.getvalue()


def _status(rng: random.Random) -> str:
    roll = rng.random()
    for status, share in STATUSES:
        if roll < share:
            return status
        roll -= share
    return STATUSES[0][0]


def _note(rng: random.Random, status: str) -> str:
    if status == "absent":
        return rng.choice(ABSENCE_NOTES)
    if status == "excused":
        return rng.choice(EXCUSED_NOTES)
    return ""


def subjects_for(class_name: str) -> tuple[str, ...]:
    """Grades 7 to 9 are Junior School under CBC; Grades 4 to 6 upper primary."""
    grade = class_name.rsplit(" ", 1)[-1]
    return JUNIOR_SCHOOL if grade.isdigit() and int(grade) >= 7 else UPPER_PRIMARY


def results_csv(seed: str, pupils: Sequence[Pupil]) -> str:
    """Scores out of 100 in seven subjects for both exams: each child has a level and stronger subjects."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("admission_no", "exam", "subject", "score"))
    for pupil in pupils:
        rng = random.Random(f"{seed}:results:{pupil.admission_no}")
        level = rng.gauss(64, 11)
        subjects = subjects_for(pupil.class_name)
        strengths = {subject: rng.gauss(0, 7) for subject in subjects}
        for exam in EXAMS:
            for subject in subjects:
                score = round(level + strengths[subject] + rng.gauss(0, 5))
                writer.writerow((pupil.admission_no, exam, subject, min(99, max(12, score))))
    return out.getvalue()
