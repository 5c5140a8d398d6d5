"""Small builders for test data: a school with classes, vote heads, a term and fees."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from ledger.admission import admission_key
from ledger.records.results import Exam, record_score
from ledger.records.tables import (
    FeeItem,
    Guardian,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
    Term,
    VoteHead,
)

_seq = itertools.count(1)


def school(session: Session, slug: str | None = None, **fields: object) -> School:
    n = next(_seq)
    fields.setdefault("name", f"School {n}")
    s = School(slug=slug or f"school-{n}", **fields)
    session.add(s)
    session.flush()
    return s


def term(session: Session, school: School, code: str = "2026-1", due: dt.date | None = None) -> Term:
    year, number = (int(x) for x in code.split("-"))
    start = dt.date(year, 1 + 4 * (number - 1), 5)
    t = Term(
        school_id=school.id,
        year=year,
        number=number,
        starts_on=start,
        ends_on=start + dt.timedelta(days=90),
        due_on=due or start + dt.timedelta(days=14),
    )
    session.add(t)
    session.flush()
    return t


def school_class(session: Session, school: School, name: str = "Form 1") -> SchoolClass:
    c = SchoolClass(school_id=school.id, name=name)
    session.add(c)
    session.flush()
    return c


def vote_head(session: Session, school: School, name: str, priority: int) -> VoteHead:
    v = VoteHead(school_id=school.id, name=name, priority=priority)
    session.add(v)
    session.flush()
    return v


def fees(session: Session, term: Term, school_class: SchoolClass, amounts: dict[VoteHead, int]) -> None:
    for head, amount in amounts.items():
        session.add(
            FeeItem(
                school_id=term.school_id,
                term_id=term.id,
                class_id=school_class.id,
                vote_head_id=head.id,
                amount=amount,
            )
        )
    session.flush()


def student(session: Session, school_class: SchoolClass, adm: str, name: str = "Wanjiku Kamau") -> Student:
    s = Student(
        school_id=school_class.school_id,
        admission_no=adm,
        admission_key=admission_key(adm),
        name=name,
        class_id=school_class.id,
    )
    session.add(s)
    session.flush()
    return s


def guardian(
    session: Session, school: School, phone: str, *children: Student, name: str = "Parent"
) -> Guardian:
    g = Guardian(school_id=school.id, phone=phone, name=name)
    session.add(g)
    session.flush()
    for child in children:
        session.add(StudentGuardian(student_id=child.id, guardian_id=g.id))
    session.flush()
    return g


def scores(session: Session, exam: Exam, pupil: Student, by_subject: dict[str, int]) -> None:
    """Record a student's scores in an exam, one per subject, graded by the exam's scale."""
    for subject, score in by_subject.items():
        record_score(session, exam, pupil, subject, score)
