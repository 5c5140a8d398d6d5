"""The year-end rollover as one audited step, and its undo: what the dashboard and ``karo year`` call.

Plan with ``plan_rollover`` (``ledger.billing.rollover_planning``, named here too); apply the plan here.
Applying the same plan again changes nothing and says so (``RolloverResult.applied`` is False); undo works
the same day while nobody has been invoiced since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledger.billing.rollover import carry_out, take_back
from ledger.billing.rollover_plan import RolloverPlan, RolloverRefused
from ledger.billing.rollover_planning import plan_rollover
from ledger.billing.rollover_tables import YearRollover
from ledger.staff.audit import audit

__all__ = [
    "RolloverPlan",
    "RolloverRefused",
    "RolloverResult",
    "apply_rollover",
    "plan_rollover",
    "summary",
    "undo_rollover",
]


@dataclass(frozen=True)
class RolloverResult:
    rollover: YearRollover
    applied: bool  # False: this rollover already stood, and nothing changed

    @property
    def plan(self) -> RolloverPlan:
        return RolloverPlan.from_json(self.rollover.plan)


def apply_rollover(
    session: Session, plan: RolloverPlan, *, by: str, at: dt.datetime, staff_id: int | None = None
) -> RolloverResult:
    """Carry out ``plan`` in the caller's transaction with one audit row (none when it already stood)."""
    rollover, applied = carry_out(session, plan, actor=by, at=at)
    if applied:
        audit(
            session,
            school_id=plan.school_id,
            staff_id=staff_id,
            actor=by,
            action="year.rollover",
            at=at,
            target=f"rollover:{rollover.id}",
            before={"year": plan.from_year, "classes": {move.name: move.students for move in plan.classes}},
            after=summary(plan, rollover.made),
        )
    return RolloverResult(rollover, applied)


def undo_rollover(
    session: Session, school_id: int, to_year: int, *, by: str, at: dt.datetime, staff_id: int | None = None
) -> YearRollover:
    """Undo the standing rollover to ``to_year`` (RolloverRefused when it cannot be), audited."""
    rollover = take_back(session, school_id, to_year, actor=by, at=at)
    plan = RolloverPlan.from_json(rollover.plan)
    audit(
        session,
        school_id=school_id,
        staff_id=staff_id,
        actor=by,
        action="year.rollover.undo",
        at=at,
        target=f"rollover:{rollover.id}",
        before=summary(plan, rollover.made),
        after={"year": plan.from_year, "classes": {move.name: move.students for move in plan.classes}},
    )
    return rollover


def summary(plan: RolloverPlan, made: dict[str, Any]) -> dict[str, Any]:
    """A rollover as its audit row keeps it: each class's move, graduates, what was created."""
    return {
        "year": plan.to_year,
        "moves": {move.name: move.target or "graduated" for move in plan.classes},
        "students": len(plan.students),
        "graduates": [move.admission_no for move in plan.graduates],
        "increase_bp": plan.increase_bp,
        "terms_created": [term.code for term in plan.terms if not term.exists],
        "fee_items_created": len(made["fee_items"]),
        "classes_created": plan.new_classes,
    }
