"""A child's payment plan as the student page shows it, and the plan form as a bursar fills it in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from sqlalchemy.orm import Session

from ledger.billing.payment_plans import (
    PaymentPlan,
    PlanStatus,
    active_plans,
    paid_since,
    plan_status,
    plan_total,
)
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents, date_value
from ledger.records.tables import Student

FORM_ROWS = 4  # instalment rows a fresh form offers
MAX_ROWS = 12


@dataclass(frozen=True)
class InstalmentView:
    due_on: dt.date
    amount: int
    state: str  # paid, missed, due


@dataclass(frozen=True)
class PlanView:
    plan: PaymentPlan
    status: PlanStatus
    total: int
    instalments: list[InstalmentView]


@dataclass(frozen=True)
class PlanForm:
    rows: list[tuple[str, str]]  # (date, KES) as typed


class BadPlanForm(ValueError):
    """What is wrong with the form, in the bursar's words."""


def new_plan_form() -> PlanForm:
    return PlanForm([("", "")] * FORM_ROWS)


def current_plan(session: Session, student: Student, today: dt.date) -> PlanView | None:
    """The child's plan that stands, with what it says today; None without one."""
    plans = active_plans(session, student.school_id, student_ids=[student.id])
    if not plans:
        return None
    plan = plans[-1]
    paid = paid_since(session, student.school_id, {student.id: plan.starts_on})[student.id]
    return PlanView(plan, plan_status(plan, paid, today), plan_total(plan), _instalments(plan, paid, today))


def _instalments(plan: PaymentPlan, paid: int, today: dt.date) -> list[InstalmentView]:
    # Payments cover the instalments in date order, as ledger.billing.payment_plans.plan_status counts them.
    rows, covered = [], paid
    for instalment in plan.instalments:
        late = instalment.due_on < today
        state = "paid" if covered >= instalment.amount else "missed" if late else "due"
        covered = max(covered - instalment.amount, 0)
        rows.append(InstalmentView(instalment.due_on, instalment.amount, state))
    return rows


def plan_snapshot(plan: PaymentPlan | None) -> list[dict[str, Any]] | None:
    """A plan's instalments as an audit row keeps them."""
    if plan is None:
        return None
    return [{"due_on": i.due_on.isoformat(), "amount": i.amount} for i in plan.instalments]


def instalments_of(form: PlanForm) -> list[tuple[dt.date, int]]:
    """The filled rows as (date, cents); a half-filled or malformed row is refused with its number."""
    instalments = []
    for number, (on, amount) in enumerate(form.rows, start=1):
        if not on.strip() and not amount.strip():
            continue
        try:
            instalments.append(
                (date_value(on, f"Row {number}: date"), amount_cents(amount, f"Row {number}: amount"))
            )
        except BadRow as bad:
            raise BadPlanForm(f"{bad}.") from None
    return instalments


def form_of(dates: list[str], amounts: list[str]) -> PlanForm:
    """The typed rows, paired, at most MAX_ROWS of them, with room for the rows the form shows."""
    rows = list(zip_longest(dates, amounts, fillvalue=""))[:MAX_ROWS]
    rows += [("", "")] * max(FORM_ROWS - len(rows), 0)
    return PlanForm([(on[:20], amount[:30]) for on, amount in rows])
