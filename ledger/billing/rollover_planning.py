"""Planning a school's year-end rollover to YEAR from the database as it stands, without changing it.

Every class with active students moves up its ladder (``ledger.records.class_ladders``) unless the school
names its move; the last class of a ladder graduates. Next year's three terms get the usual Kenyan dates
unless already set, and each term's fee structure is copied from the same term of the year before, with the
increase, unless that term's fees are already set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.billing.rollover_plan import (
    ClassMove,
    FeeCopy,
    RolloverPlan,
    RolloverRefused,
    StudentMove,
    TermPlan,
    increase_basis_points,
    increased,
)
from ledger.billing.rollover_tables import YearRollover
from ledger.books.tables import Entry, EntryKind
from ledger.records.class_ladders import NoUsualNext, ladder_order, name_key, same_name, usual_next
from ledger.records.tables import FeeItem, School, SchoolClass, Student, Term, VoteHead
from ledger.records.terms import current_term, find_term, kenyan_calendar

CLASS_NAME_LENGTH = 40  # classes.name
Choices = dict[str, str | None]  # class name key -> target name (None: graduates)


def standing_rollover(session: Session, school_id: int, to_year: int) -> YearRollover | None:
    """The school's rollover to ``to_year`` if applied and not undone."""
    query = select(YearRollover).where(
        YearRollover.school_id == school_id, YearRollover.applied_year == to_year
    )
    return session.scalars(query).one_or_none()


def school_year(session: Session, school_id: int, today: dt.date) -> int:
    """The school year the school's students are in: the year of its last standing rollover or of its
    latest invoiced term, whichever is later; with neither, the year of its current term (or today's)."""
    rolled = session.scalar(
        select(func.max(YearRollover.applied_year)).where(YearRollover.school_id == school_id)
    )
    invoiced = session.scalar(
        select(func.max(Term.year))
        .join(Entry, Entry.term_id == Term.id)
        .where(Term.school_id == school_id, Entry.kind == EntryKind.INVOICE)
    )
    known = [year for year in (rolled, invoiced) if year is not None]
    if known:
        return max(known)
    term = current_term(session, school_id, today)
    return term.year if term is not None else today.year


def plan_rollover(
    session: Session,
    school: School,
    to_year: int,
    *,
    today: dt.date,
    promote: Iterable[tuple[str, str]] = (),
    graduate: Iterable[str] = (),
    increase_percent: Decimal | int | str = 0,
) -> RolloverPlan:
    """What rolling ``school`` over to ``to_year`` would do (``promote``: (class, next class) pairs the
    school names; ``graduate``: classes whose students leave). For a rollover already standing, the plan
    it carried out, with ``applied_on`` set. Raises RolloverRefused naming what is wrong with the ask."""
    basis_points = increase_basis_points(increase_percent)
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)))
    choices = _choices(classes, list(promote), list(graduate))
    standing = standing_rollover(session, school.id, to_year)
    if standing is not None:
        stored = RolloverPlan.from_json(standing.plan)
        _refuse_other_choices(stored, choices, basis_points)
        return replace(stored, applied_on=standing.applied_on)
    year = school_year(session, school.id, today)
    if to_year != year + 1:
        raise RolloverRefused(
            f"{school.slug} is in its {year} school year: it rolls over to {year + 1}, not {to_year}"
        )
    moves = _class_moves(session, classes, choices)
    return RolloverPlan(
        school_id=school.id,
        from_year=year,
        to_year=to_year,
        increase_bp=basis_points,
        graduation_day=_graduation_day(session, school.id, year, today),
        choices=tuple((_name_of(classes, key), target) for key, target in choices.items()),
        classes=tuple(moves),
        students=tuple(_student_moves(session, moves)),
        terms=tuple(_terms(session, school.id, to_year)),
        fees=tuple(_fees(session, school.id, year, to_year, basis_points)),
        fees_kept=tuple(_fees_kept(session, school.id, to_year)),
    )


def _choices(classes: list[SchoolClass], promote: list[tuple[str, str]], graduate: list[str]) -> Choices:
    known = {name_key(c.name) for c in classes}
    choices: Choices = {}

    def choose(name: str, target: str | None) -> None:
        key = name_key(name)
        if key not in known:
            raise RolloverRefused(f"no class named {name!r} ({_listing(classes)})")
        if target is not None and same_name(name, target):
            raise RolloverRefused(f"{name!r} cannot be promoted into itself")
        if target is not None and len(target) > CLASS_NAME_LENGTH:
            raise RolloverRefused(f"a class name has at most {CLASS_NAME_LENGTH} characters: {target!r}")
        if key in choices and choices[key] != target:
            raise RolloverRefused(f"{name!r} is given two different moves: name each class once")
        choices[key] = target

    for name, target in promote:
        choose(name, next((c.name for c in classes if same_name(c.name, target)), " ".join(target.split())))
    for name in graduate:
        choose(name, None)
    return choices


def _listing(classes: list[SchoolClass]) -> str:
    names = sorted((c.name for c in classes), key=ladder_order)
    return "its classes: " + ", ".join(names) if names else "it has no classes yet"


def _name_of(classes: list[SchoolClass], key: str) -> str:
    return next(c.name for c in classes if name_key(c.name) == key)


def _refuse_other_choices(stored: RolloverPlan, choices: Choices, basis_points: int) -> None:
    """A standing rollover is the answer to the same ask again; another ask is refused, not half-applied."""
    applied = {name_key(move.name): move.target for move in stored.classes}
    same = all(key in applied and _same_move(applied[key], target) for key, target in choices.items())
    if not same or basis_points != stored.increase_bp:
        raise RolloverRefused(
            f"the school already rolled over to {stored.to_year} with other choices: undo that first"
        )


def _same_move(one: str | None, other: str | None) -> bool:
    if one is None or other is None:
        return one is other
    return same_name(one, other)


def _class_moves(session: Session, classes: list[SchoolClass], choices: Choices) -> list[ClassMove]:
    counts = dict(
        session.execute(
            select(Student.class_id, func.count())
            .where(Student.class_id.in_([c.id for c in classes]), Student.active.is_(True))
            .group_by(Student.class_id)
        ).all()
    )
    names = [c.name for c in classes]
    moves = []
    for school_class in sorted(classes, key=lambda c: ladder_order(c.name)):
        if not counts.get(school_class.id):
            continue  # nobody to move: an empty class stays as it is
        key, decided = name_key(school_class.name), True
        target: str | None
        if key in choices:
            target = choices[key]
        else:
            try:
                target = usual_next(school_class.name, names)
            except NoUsualNext:
                target, decided = None, False
        new = target is not None and not any(same_name(name, target) for name in names)
        moves.append(
            ClassMove(
                school_class.id,
                school_class.name,
                target,
                counts[school_class.id],
                new,
                key in choices,
                decided,
            )
        )
    return moves


def _student_moves(session: Session, moves: list[ClassMove]) -> list[StudentMove]:
    by_class = {move.class_id: move for move in moves}
    students = session.scalars(
        select(Student)
        .where(Student.class_id.in_(list(by_class)), Student.active.is_(True))
        .order_by(Student.admission_no, Student.id)
    )
    return [
        StudentMove(
            s.id, s.admission_no, s.name, s.class_id, by_class[s.class_id].name, by_class[s.class_id].target
        )
        for s in students
    ]


def _graduation_day(session: Session, school_id: int, year: int, today: dt.date) -> dt.date:
    """The day after the year's last term ends (a rollover before then is refused)."""
    last = session.scalars(
        select(Term).where(Term.school_id == school_id, Term.year == year).order_by(Term.ends_on.desc())
    ).first()
    if last is None:
        return today
    if today <= last.ends_on:
        raise RolloverRefused(
            f"term {last.code} runs until {last.ends_on.isoformat()}: roll over after the year's last term"
        )
    return last.ends_on + dt.timedelta(days=1)


def _terms(session: Session, school_id: int, to_year: int) -> list[TermPlan]:
    plans = []
    for number in (1, 2, 3):
        term = find_term(session, school_id, to_year, number)
        if term is not None:
            plans.append(TermPlan(term.code, term.starts_on, term.ends_on, term.due_on, True))
        else:
            plans.append(TermPlan(f"{to_year}-{number}", *kenyan_calendar(to_year, number), False))
    return plans


def _has_fees(session: Session, term_id: int) -> bool:
    return session.scalars(select(FeeItem.id).where(FeeItem.term_id == term_id).limit(1)).first() is not None


def _fees_kept(session: Session, school_id: int, to_year: int) -> list[str]:
    terms = [find_term(session, school_id, to_year, number) for number in (1, 2, 3)]
    return [term.code for term in terms if term is not None and _has_fees(session, term.id)]


def _fees(session: Session, school_id: int, from_year: int, to_year: int, basis_points: int) -> list[FeeCopy]:
    kept = set(_fees_kept(session, school_id, to_year))
    copies: list[FeeCopy] = []
    for number in (1, 2, 3):
        code, source = f"{to_year}-{number}", find_term(session, school_id, from_year, number)
        if code in kept or source is None:
            continue
        rows = session.execute(
            select(FeeItem, SchoolClass, VoteHead)
            .join(SchoolClass, SchoolClass.id == FeeItem.class_id)
            .join(VoteHead, VoteHead.id == FeeItem.vote_head_id)
            .where(FeeItem.term_id == source.id, FeeItem.amount > 0)
        ).all()
        rows = sorted(rows, key=lambda row: (ladder_order(row[1].name), row[2].priority, row[2].name))
        copies += [
            FeeCopy(
                code,
                c.id,
                c.name,
                head.id,
                head.name,
                item.amount,
                increased(item.amount, basis_points),
                item.optional,
            )
            for item, c, head in rows
        ]
    return copies
