"""Carrying out a year-end rollover plan, and taking it back the same day.

Balances are not touched: each student has one running receivable, so what a family owed in December it
owes in January. Only classes, leavers, terms and the fee structure change, and the rollover's row records
each of those changes so taking it back restores every student's class exactly and removes what it made.
(Auditing is the caller's: ``ledger.staff.rollover`` applies and undoes with an audit row.)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.billing.leaving import leave_school
from ledger.billing.rollover_plan import RolloverPlan, RolloverRefused
from ledger.billing.rollover_planning import plan_rollover, standing_rollover
from ledger.billing.rollover_tables import YearRollover
from ledger.books.tables import Entry, EntryKind
from ledger.clock import school_day
from ledger.records.class_ladders import name_key
from ledger.records.leavers import LeaveReason, readmit
from ledger.records.tables import FeeItem, School, SchoolClass, Student, Term
from ledger.records.terms import find_term, get_or_create_term


def carry_out(
    session: Session, plan: RolloverPlan, *, actor: str, at: dt.datetime
) -> tuple[YearRollover, bool]:
    """Apply ``plan`` as it stands; returns (the rollover, whether it was applied now). A plan whose
    rollover already stands is not applied again: that rollover is returned with False."""
    _lock_school(session, plan.school_id)
    standing = standing_rollover(session, plan.school_id, plan.to_year)
    if standing is not None:
        return standing, False
    if plan.undecided:
        names = ", ".join(repr(move.name) for move in plan.undecided)
        raise RolloverRefused(f"say where {names} moves (or that it graduates): it is off the usual ladders")
    _refuse_stale(session, plan, school_day(at))
    made = {
        "classes": _move_students(session, plan, school_day(at), actor),
        "terms": _make_terms(session, plan),
        "fee_items": _copy_fees(session, plan),
    }
    mark = session.scalar(select(func.max(Entry.id)).where(Entry.school_id == plan.school_id)) or 0
    rollover = YearRollover(
        school_id=plan.school_id,
        to_year=plan.to_year,
        applied_year=plan.to_year,
        plan=plan.as_json(),
        made=made,
        entry_mark=mark,
        applied_on=school_day(at),
        applied_at=at,
        applied_by=actor,
    )
    session.add(rollover)
    session.flush()
    return rollover, True


def _lock_school(session: Session, school_id: int) -> None:
    """One rollover (or undo) of a school at a time: a second waits, then finds the first's work done.
    (SQLite: BEGIN IMMEDIATE already serialises writers.)"""
    session.execute(select(School.id).where(School.id == school_id).with_for_update())


def _refuse_stale(session: Session, plan: RolloverPlan, today: dt.date) -> None:
    """The plan must still be what planning now gives: a student admitted or moved since is not skipped."""
    school = session.get(School, plan.school_id)
    assert school is not None  # a plan is made of a school
    now = plan_rollover(
        session,
        school,
        plan.to_year,
        today=today,
        promote=[(name, target) for name, target in plan.choices if target is not None],
        graduate=[name for name, target in plan.choices if target is None],
        increase_percent=f"{plan.increase_bp // 100}.{plan.increase_bp % 100:02d}",
    )
    if now.as_json() != plan.as_json():
        raise RolloverRefused("the school's classes, students or fees changed since this plan: plan it again")


def _move_students(session: Session, plan: RolloverPlan, today: dt.date, actor: str) -> list[int]:
    """Move every planned student (graduates leave); returns the ids of classes created for them."""
    classes = {
        name_key(c.name): c
        for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == plan.school_id))
    }
    created: list[int] = []

    def class_named(name: str) -> SchoolClass:
        if name_key(name) not in classes:
            made = SchoolClass(school_id=plan.school_id, name=name)
            session.add(made)
            session.flush()
            classes[name_key(name)] = made
            created.append(made.id)
        return classes[name_key(name)]

    targets = {move.class_id: class_named(move.target) if move.target else None for move in plan.classes}
    students = _students(session, [move.student_id for move in plan.students])
    for move in plan.students:
        target, student = targets[move.from_class_id], students[move.student_id]
        if target is None:
            leave_school(
                session, student, plan.graduation_day, LeaveReason.GRADUATED, today=today, actor=actor
            )
        else:
            student.class_id = target.id
    session.flush()
    return created


def _students(session: Session, ids: list[int]) -> dict[int, Student]:
    return {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(ids)))} if ids else {}


def _make_terms(session: Session, plan: RolloverPlan) -> list[int]:
    return [
        get_or_create_term(session, plan.school_id, term.code).id for term in plan.terms if not term.exists
    ]


def _copy_fees(session: Session, plan: RolloverPlan) -> list[int]:
    items = []
    for fee in plan.fees:
        term = find_term(session, plan.school_id, plan.to_year, int(fee.term_code[-1]))
        assert term is not None  # made above, or kept
        item = FeeItem(school_id=plan.school_id, term_id=term.id, class_id=fee.class_id, amount=fee.after)
        item.vote_head_id, item.optional = fee.vote_head_id, fee.optional
        items.append(item)
    session.add_all(items)
    session.flush()
    return [item.id for item in items]


def undo_refusal(session: Session, rollover: YearRollover, today: dt.date) -> str | None:
    """Why the rollover can no longer be undone, or None while it can (the day it was applied, before
    anyone is invoiced)."""
    if rollover.applied_year is None:
        return f"the rollover to {rollover.to_year} was already undone"
    if today != rollover.applied_on:
        return (
            f"the rollover to {rollover.to_year} was applied on {rollover.applied_on.isoformat()}: "
            "it can be undone only on that day"
        )
    invoiced = session.scalars(
        select(Entry.id)
        .where(
            Entry.school_id == rollover.school_id,
            Entry.kind == EntryKind.INVOICE,
            Entry.id > rollover.entry_mark,
        )
        .limit(1)
    ).first()
    if invoiced is not None:
        return f"students were invoiced since the rollover to {rollover.to_year}: it can no longer be undone"
    return None


def take_back(session: Session, school_id: int, to_year: int, *, actor: str, at: dt.datetime) -> YearRollover:
    """Undo the school's standing rollover to ``to_year``: every student back in the class they were in,
    graduates re-admitted, and the terms, fees and classes it made removed when nothing uses them."""
    _lock_school(session, school_id)
    rollover = standing_rollover(session, school_id, to_year)
    if rollover is None:
        raise RolloverRefused(f"no rollover to {to_year} stands to be undone")
    why = undo_refusal(session, rollover, school_day(at))
    if why is not None:
        raise RolloverRefused(why)
    plan = RolloverPlan.from_json(rollover.plan)
    students = _students(session, [move.student_id for move in plan.students])
    for move in plan.students:
        student = students[move.student_id]
        if move.to_class is None and student.leave_reason == LeaveReason.GRADUATED.value:
            readmit(student)
        student.class_id = move.from_class_id
    session.flush()
    _remove_unused(session, rollover.made)
    rollover.applied_year, rollover.undone_at, rollover.undone_by = None, at, actor
    session.flush()
    return rollover


def _remove_unused(session: Session, made: dict[str, list[int]]) -> None:
    """Remove what the rollover made: its fee items (never invoiced, or undo is refused), then each term
    and class it created unless something still refers to it."""
    session.execute(delete(FeeItem).where(FeeItem.id.in_(made["fee_items"])))
    for model, ids in ((Term, made["terms"]), (SchoolClass, made["classes"])):
        for row_id in ids:
            _delete_if_free(session, model, row_id)


def _delete_if_free(session: Session, model: type[Term] | type[SchoolClass], row_id: int) -> None:
    """Delete the row unless something refers to it (the database's foreign keys say so)."""
    try:
        with session.begin_nested():
            session.execute(delete(model).where(model.id == row_id))
    except IntegrityError:
        return  # still in use (a charge's account, a student, a reminder...): it stays, as it would anyway
    row = session.get(model, row_id)
    if row is not None:
        session.expunge(row)
