"""The year-end rollover on both databases: the dry run is what applying does, applying twice changes nothing
the second time, undo restores every class exactly, and undo is refused once anyone is invoiced."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from threading import Barrier

import pytest
from sqlalchemy import func, select

from ledger.billing.invoicing import invoice_class
from ledger.billing.rollover_plan import RolloverRefused
from ledger.billing.rollover_planning import plan_rollover
from ledger.books.balances import student_balance
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.records.leavers import LeaveReason, mark_left
from ledger.records.tables import FeeItem, School, SchoolClass, Student, Term
from ledger.staff.audit import AuditEntry
from ledger.staff.rollover import apply_rollover, undo_rollover
from tests import builders as b

KES = 100
TODAY = dt.date(2027, 1, 4)
AT = dt.datetime(2027, 1, 4, 6, 0, tzinfo=dt.UTC)  # 09:00 in Nairobi
ACTOR = "head@school.ke"


def build_school(session, class_names, per_class, seed=0, fees=True):
    """A school in its 2026 year: three terms, the given classes each with ``per_class`` students (and one
    who left in the year), tuition and optional transport each term, term 3 invoiced."""
    rng = random.Random(seed)
    school = b.school(session)
    tuition, transport = (
        b.vote_head(session, school, "Tuition", 10),
        b.vote_head(session, school, "Transport", 20),
    )
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2, 3)]
    classes = [b.school_class(session, school, name) for name in class_names]
    for number, school_class in enumerate(classes):
        if fees:
            for term in terms:
                b.fees(
                    session,
                    term,
                    school_class,
                    {tuition: rng.randint(5_000, 40_000) * KES + rng.choice((0, 50))},
                )
                session.add(
                    FeeItem(
                        school_id=school.id,
                        term_id=term.id,
                        class_id=school_class.id,
                        vote_head_id=transport.id,
                        amount=3_000 * KES,
                        optional=True,
                    )
                )
        for n in range(per_class):
            b.student(session, school_class, f"S{number:02d}-{n}", f"Pupil {number} {n}")
    leaver = b.student(session, classes[0], f"L{seed}", "Left Early")
    mark_left(leaver, dt.date(2026, 6, 1), LeaveReason.TRANSFERRED, today=TODAY)
    for school_class in classes:
        invoice_class(session, school_class, terms[2], actor="test", notify=False)
    session.commit()
    return school


def standing(session, school):
    """Every student's class name and standing, the classes, the 2027 terms and fees, balances."""
    students = session.scalars(select(Student).where(Student.school_id == school.id).order_by(Student.id))
    return {
        "students": {
            s.admission_no: (session.get(SchoolClass, s.class_id).name, s.active, s.left_on, s.leave_reason)
            for s in students
        },
        "classes": sorted(
            c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
        ),
        "terms": sorted(t.code for t in session.scalars(select(Term).where(Term.school_id == school.id))),
        "fees": session.scalar(
            select(func.count()).select_from(FeeItem).where(FeeItem.school_id == school.id)
        ),
        "balances": {
            s.admission_no: student_balance(session, s).total
            for s in session.scalars(select(Student).where(Student.school_id == school.id))
        },
    }


def shillings_up(cents, percent):
    """The increased fee by Decimal arithmetic, rounded half-up to whole shillings: the test's own oracle."""
    value = Decimal(cents) * (1 + Decimal(percent) / 100) / 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100


def test_the_dry_run_is_what_applying_does(session):
    names = ["PP1", "PP2", "Grade 6 East", "grade 6 west", "Grade 7 East", "Grade 9", "Form 2B", "Form 4"]
    school = build_school(session, names, per_class=3)
    before = standing(session, school)
    plan = plan_rollover(
        session, school, 2027, today=TODAY, promote=[("Form 2B", "Form 3 Blue")], increase_percent="5"
    )
    session.rollback()
    assert standing(session, school) == before  # planning changes nothing

    moves = {move.name: move.target for move in plan.classes}
    assert moves == {
        "PP1": "PP2",
        "PP2": "Grade 1",
        "Grade 6 East": "Grade 7 East",
        "grade 6 west": "grade 7 west",
        "Grade 7 East": "Grade 8 East",
        "Grade 9": None,  # no senior school here: junior school's last class leaves
        "Form 2B": "Form 3 Blue",
        "Form 4": None,
    }
    result = apply_rollover(session, plan, by=ACTOR, at=AT)
    session.commit()
    after = standing(session, school)

    assert result.applied
    for move in plan.students:
        name, active, left_on, reason = after["students"][move.admission_no]
        if move.to_class is None:
            assert (name, active, left_on, reason) == (
                move.from_class,
                False,
                plan.graduation_day,
                "graduated",
            )
        else:
            assert (name, active) == (move.to_class, True)
    moved = {move.admission_no for move in plan.students}
    assert {adm: row for adm, row in after["students"].items() if adm not in moved} == {
        adm: row for adm, row in before["students"].items() if adm not in moved
    }  # the student who left in the year stays as they were
    assert after["balances"] == before["balances"]  # one running ledger: nothing carried by entries
    assert sorted(set(after["classes"]) - set(before["classes"])) == sorted(plan.new_classes)
    terms = {
        t.code: t for t in session.scalars(select(Term).where(Term.school_id == school.id, Term.year == 2027))
    }
    assert {code: (t.starts_on, t.ends_on, t.due_on) for code, t in terms.items()} == {
        t.code: (t.starts_on, t.ends_on, t.due_on) for t in plan.terms
    }
    items = session.scalars(select(FeeItem).where(FeeItem.term_id.in_([t.id for t in terms.values()])))
    made = {
        (t.code, i.class_id, i.vote_head_id, i.amount, i.optional)
        for i in items
        for t in [session.get(Term, i.term_id)]
    }
    assert made == {(f.term_code, f.class_id, f.vote_head_id, f.after, f.optional) for f in plan.fees}
    assert all(f.after == shillings_up(f.before, 5) for f in plan.fees)
    assert len(plan.fees) == 3 * 2 * len(names)
    audit_row = session.scalars(select(AuditEntry).where(AuditEntry.action == "year.rollover")).one()
    assert audit_row.actor == ACTOR and audit_row.after["graduates"] == [
        m.admission_no for m in plan.graduates
    ]


def test_applying_the_same_rollover_twice_changes_nothing_the_second_time(session):
    school = build_school(session, ["Grade 3", "Grade 4", "Form 4"], per_class=2)
    apply_rollover(
        session, plan_rollover(session, school, 2027, today=TODAY, graduate=["Form 4"]), by=ACTOR, at=AT
    )
    session.commit()
    once = standing(session, school)

    again = plan_rollover(session, school, 2027, today=TODAY, graduate=["form 4"])
    result = apply_rollover(session, again, by=ACTOR, at=AT + dt.timedelta(minutes=5))
    session.commit()

    assert again.applied_on == TODAY and not result.applied
    assert standing(session, school) == once
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year.rollover")
        )
        == 1
    )
    with pytest.raises(RolloverRefused, match="other choices"):
        plan_rollover(session, school, 2027, today=TODAY, increase_percent=10)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_undo_restores_every_class_exactly(session, seed):
    rng = random.Random(seed)
    ladder = rng.choice(
        [
            ["PP1", "PP2", "Grade 1", "Grade 2"],
            ["Grade 5", "Grade 6", "Grade 7", "Grade 8", "Grade 9"],
            ["Form 1", "Form 2", "Form 3", "Form 4"],
        ]
    )
    streams = rng.sample(["", " East", " West", " North"], rng.randint(1, 3))
    names = [level + stream for level in ladder for stream in streams]
    school = build_school(session, names, per_class=rng.randint(1, 3), seed=seed)
    before = standing(session, school)
    chosen = rng.choice(names)
    plan = plan_rollover(
        session, school, 2027, today=TODAY, graduate=[chosen], increase_percent=rng.choice(["0", "7.5"])
    )
    apply_rollover(session, plan, by=ACTOR, at=AT)
    session.commit()
    assert standing(session, school) != before

    undo_rollover(session, school.id, 2027, by=ACTOR, at=AT + dt.timedelta(hours=2))
    session.commit()

    assert standing(session, school) == before
    again = plan_rollover(session, school, 2027, today=TODAY, graduate=[chosen], increase_percent="7.5")
    assert [m.to_class for m in again.students] == [m.to_class for m in plan.students]  # it can be redone


def test_undo_is_refused_once_anyone_is_invoiced_or_the_day_is_over(session):
    school = build_school(session, ["Grade 4", "Grade 5"], per_class=2)
    apply_rollover(session, plan_rollover(session, school, 2027, today=TODAY), by=ACTOR, at=AT)
    session.commit()
    with pytest.raises(RolloverRefused, match="only on that day"):
        undo_rollover(session, school.id, 2027, by=ACTOR, at=AT + dt.timedelta(days=1))
    session.rollback()

    grade_five = session.scalars(select(SchoolClass).where(SchoolClass.name == "Grade 5")).one()
    term = session.scalars(
        select(Term).where(Term.school_id == school.id, Term.year == 2027, Term.number == 1)
    ).one()
    invoice_class(session, grade_five, term, actor="test", notify=False)
    session.commit()
    with pytest.raises(RolloverRefused, match="invoiced since"):
        undo_rollover(session, school.id, 2027, by=ACTOR, at=AT + dt.timedelta(hours=1))


def test_bad_asks_are_refused_in_a_bursars_words(session):
    school = build_school(session, ["Grade 4", "Kindergarten"], per_class=1)
    with pytest.raises(RolloverRefused, match="no class named 'Grade 44'"):
        plan_rollover(session, school, 2027, today=TODAY, promote=[("Grade 44", "Grade 45")])
    with pytest.raises(RolloverRefused, match="into itself"):
        plan_rollover(session, school, 2027, today=TODAY, promote=[("grade 4", "Grade 4")])
    with pytest.raises(RolloverRefused, match="at most 40 characters"):
        plan_rollover(session, school, 2027, today=TODAY, promote=[("Grade 4", "Grade 5 " + "x" * 40)])
    with pytest.raises(RolloverRefused, match="rolls over to 2027, not 2028"):
        plan_rollover(session, school, 2028, today=TODAY)
    with pytest.raises(RolloverRefused, match="runs until"):
        plan_rollover(session, school, 2027, today=dt.date(2026, 11, 1))
    plan = plan_rollover(session, school, 2027, today=TODAY)
    assert [m.name for m in plan.undecided] == ["Kindergarten"]
    with pytest.raises(RolloverRefused, match="Kindergarten"):
        apply_rollover(session, plan, by=ACTOR, at=AT)
    session.rollback()
    decided = plan_rollover(session, school, 2027, today=TODAY, promote=[("Kindergarten", "PP1")])
    assert {m.name: m.target for m in decided.classes} == {"Grade 4": "Grade 5", "Kindergarten": "PP1"}


def test_next_years_fees_already_set_are_kept_and_a_stale_plan_is_refused(session):
    school = build_school(session, ["Grade 4"], per_class=2)
    grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
    head = b.vote_head(session, school, "Lunch", 30)
    set_term = b.term(session, school, "2027-2")
    b.fees(session, set_term, grade, {head: 4_000 * KES})
    session.commit()
    plan = plan_rollover(session, school, 2027, today=TODAY)
    assert plan.fees_kept == ("2027-2",) and {f.term_code for f in plan.fees} == {"2027-1", "2027-3"}
    assert [t.exists for t in plan.terms] == [False, True, False]

    b.student(session, grade, "NEW-1", "Joined Late")
    session.commit()
    with pytest.raises(RolloverRefused, match="changed since"):
        apply_rollover(session, plan, by=ACTOR, at=AT)


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_two_heads_applying_at_once_roll_over_once(engine, factory):
    with factory() as session:
        school_id = build_school(session, ["Grade 1", "Grade 8"], per_class=3).id
    threads = 4
    barrier = Barrier(threads)
    many = session_factory(
        make_engine(engine.url.render_as_string(hide_password=False), pool_size=threads + 2)
    )

    def apply(n):
        with many() as session:
            plan = plan_rollover(session, session.get(School, school_id), 2027, today=TODAY)
            barrier.wait()  # every plan made before anyone applies
            applied = apply_rollover(session, plan, by=f"head-{n}", at=AT).applied
            session.commit()
            return applied

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(apply, range(threads)))
    assert sorted(results) == [False] * (threads - 1) + [True]
    with factory() as session:
        rows = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year.rollover")
        assert session.scalar(rows) == 1
        grade_two = session.scalars(select(SchoolClass).where(SchoolClass.name == "Grade 2")).one()
        assert session.scalar(select(func.count()).where(Student.class_id == grade_two.id)) == 3
