"""Payment plans: instalments a bursar agrees with a family for one child's fees.

While a plan is kept, reminders follow its instalment dates instead of the school's policy; once an
instalment's date passes with less paid than was due by then, the plan is missed and the policy resumes.
Whether it is kept is derived from the payments posted for the child since the plan was made.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import BigInteger, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship

from ledger.books.tables import Entry, Payment
from ledger.db import Base, UtcDateTime
from ledger.errors import LedgerError
from ledger.records.tables import Student, Term


class PaymentPlan(Base):
    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)  # payments from this day count towards the plan
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    instalments: Mapped[list[PlanInstalment]] = relationship(
        order_by="PlanInstalment.due_on", cascade="all, delete-orphan"
    )


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # cents


class InvalidPlan(LedgerError):
    """A plan with no instalments, a non-positive amount, a date outside the term, or two on one day."""


class PlanState(enum.StrEnum):
    KEPT = "kept"  # every instalment due so far is covered
    MISSED = "missed"  # an instalment's date passed uncovered: the school's policy applies again
    DONE = "done"  # every instalment is covered


@dataclass(frozen=True)
class PlanStatus:
    state: PlanState
    paid: int  # cents paid since the plan started
    next_due_on: dt.date | None  # the first instalment not yet covered
    next_amount: int  # what is still to pay of that instalment


def create_plan(
    session: Session,
    student: Student,
    term: Term,
    instalments: list[tuple[dt.date, int]],
    *,
    actor: str,
    today: dt.date,
    now: dt.datetime,
) -> PaymentPlan:
    """Agree a plan for this child and term; it replaces any plan the child had."""
    _check(instalments, term, today)
    for old in active_plans(session, student.school_id, student_ids=[student.id]):
        old.cancelled_at = now
    plan = PaymentPlan(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        starts_on=today,
        created_by=actor,
        created_at=now,
        instalments=[PlanInstalment(due_on=on, amount=amount) for on, amount in sorted(instalments)],
    )
    session.add(plan)
    session.flush()
    return plan


def _check(instalments: list[tuple[dt.date, int]], term: Term, today: dt.date) -> None:
    if not instalments:
        raise InvalidPlan("a plan needs at least one instalment")
    dates = [on for on, _ in instalments]
    if len(set(dates)) != len(dates):
        raise InvalidPlan("two instalments fall on the same day")
    for on, amount in instalments:
        if amount <= 0:
            raise InvalidPlan(f"the instalment of {on.isoformat()} must be more than zero")
        if on < today:
            raise InvalidPlan(f"the instalment of {on.isoformat()} is in the past")
        if on > term.ends_on:
            raise InvalidPlan(f"the instalment of {on.isoformat()} falls after the term ends")


def cancel_plan(session: Session, student: Student, *, now: dt.datetime) -> bool:
    """End the child's plan (reminders follow the policy again); False when there was none."""
    plans = active_plans(session, student.school_id, student_ids=[student.id])
    for plan in plans:
        plan.cancelled_at = now
    return bool(plans)


def active_plans(
    session: Session, school_id: int, *, student_ids: list[int] | None = None
) -> list[PaymentPlan]:
    query = select(PaymentPlan).where(PaymentPlan.school_id == school_id, PaymentPlan.cancelled_at.is_(None))
    if student_ids is not None:
        query = query.where(PaymentPlan.student_id.in_(student_ids))
    return list(session.scalars(query.order_by(PaymentPlan.id)))


def paid_since(session: Session, school_id: int, starts: dict[int, dt.date]) -> dict[int, int]:
    """Cents paid for each of these students from their given day on (reversed payments excluded)."""
    if not starts:
        return {}
    reversal = aliased(Entry)
    rows = session.execute(
        select(Payment.student_id, Payment.received_on, Payment.amount)
        .outerjoin(reversal, reversal.reverses_id == Payment.entry_id)
        .where(
            Payment.school_id == school_id,
            Payment.student_id.in_(list(starts)),
            reversal.id.is_(None),
        )
    ).all()
    paid: dict[int, int] = dict.fromkeys(starts, 0)
    for student_id, received_on, amount in rows:
        if student_id is not None and received_on >= starts[student_id]:
            paid[student_id] += amount
    return paid


def plan_status(plan: PaymentPlan, paid: int, today: dt.date) -> PlanStatus:
    """Kept, missed or done, from what was paid since the plan started (covering instalments in order)."""
    covered = paid
    for instalment in plan.instalments:
        if covered >= instalment.amount:
            covered -= instalment.amount
            continue
        state = PlanState.MISSED if instalment.due_on < today else PlanState.KEPT
        return PlanStatus(state, paid, instalment.due_on, instalment.amount - covered)
    return PlanStatus(PlanState.DONE, paid, None, 0)


def plan_statuses(session: Session, school_id: int, today: dt.date) -> list[tuple[PaymentPlan, PlanStatus]]:
    """Each of the school's active plans with how it stands ``today``."""
    plans = active_plans(session, school_id)
    paid = paid_since(session, school_id, {plan.student_id: plan.starts_on for plan in plans})
    return [(plan, plan_status(plan, paid[plan.student_id], today)) for plan in plans]


def plan_total(plan: PaymentPlan) -> int:
    return sum(instalment.amount for instalment in plan.instalments)
