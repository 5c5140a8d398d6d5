"""The year-end rollover wizard: a preview of every class's move (each one editable: another class, a new
class, or graduate), the fee increase, next year's terms and fees; the head applies it, and may undo it the
same day before anyone is invoiced. Everyone on the staff may look; ``ledger.staff.rollover`` does the work.

The preview is a GET form, so changing a move and previewing again changes nothing; the Apply form carries
the previewed choices and a fingerprint of the plan, so what is applied is what was on the screen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.access import ApprovingStaff, Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.billing.fee_rules import percent_text
from ledger.billing.rollover import undo_refusal
from ledger.billing.rollover_plan import RolloverPlan, parse_promotion
from ledger.billing.rollover_planning import plan_rollover, school_year
from ledger.billing.rollover_tables import YearRollover
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.records.class_ladders import NoUsualNext, ladder_order, usual_next
from ledger.records.tables import SchoolClass
from ledger.staff.rollover import apply_rollover, undo_rollover

router = APIRouter()
PATH = "/dashboard/year/rollover"
GRADUATE = "-"  # the select's value for "graduates"; "" is the usual move
DONE = {
    "applied": "Rolled over. Every class moved up and next year's terms and fees are set.",
    "already": "That rollover was already applied: nothing changed.",
    "undone": "Undone: every student is back in their class, and graduates are re-admitted.",
}


@dataclass(frozen=True)
class Asked:
    """The choices on the form: (class, next class) pairs, classes graduating, the fee increase."""

    promote: list[tuple[str, str]]
    graduate: list[str]
    increase: str

    def promotions(self) -> list[str]:
        return [f"{name}={target}" for name, target in self.promote]


def fingerprint(plan: RolloverPlan) -> str:
    return hashlib.sha256(json.dumps(plan.as_json(), sort_keys=True).encode()).hexdigest()[:20]


def _asked_on_form(
    session: Session, staff: Staff, cls: list[str], to: list[str], new: list[str]
) -> dict[int, str]:
    """Each of the school's classes and what its row says ("" usual, GRADUATE, or a class name); rows
    naming another school's class (or none) are ignored."""
    names = {str(c.id): c.name for c in _classes(session, staff)}
    rows: dict[int, str] = {}
    for class_id, target, typed in zip(cls, to, new, strict=False):
        if class_id in names:
            rows[int(class_id)] = " ".join(typed.split()) or target.strip()
    return rows


def _asked(session: Session, staff: Staff, rows: dict[int, str], increase: str) -> Asked:
    names = {c.id: c.name for c in _classes(session, staff)}
    promote = [(names[i], target) for i, target in rows.items() if target not in ("", GRADUATE)]
    graduate = [names[i] for i, target in rows.items() if target == GRADUATE]
    return Asked(promote, graduate, increase.strip() or "0")


def _classes(session: Session, staff: Staff) -> list[SchoolClass]:
    found = session.scalars(select(SchoolClass).where(SchoolClass.school_id == staff.school_id))
    return sorted(found, key=lambda c: ladder_order(c.name))


def _usual_moves(session: Session, staff: Staff) -> dict[int, str]:
    """Each class's usual move as the select's first option says it ("" off the ladders)."""
    classes = _classes(session, staff)
    names = [c.name for c in classes]
    usual = {}
    for school_class in classes:
        try:
            usual[school_class.id] = usual_next(school_class.name, names) or "Graduates (leave)"
        except NoUsualNext:
            usual[school_class.id] = ""
    return usual


def _standing(session: Session, staff: Staff) -> YearRollover | None:
    query = select(YearRollover).where(
        YearRollover.school_id == staff.school_id, YearRollover.applied_year.is_not(None)
    )
    return session.scalars(query.order_by(YearRollover.to_year.desc())).first()


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    asked: Asked,
    rows: dict[int, str],
    error: str | None = None,
) -> Response:
    today = school_day(config_of(request).clock())
    to_year = school_year(session, staff.school_id, today) + 1
    plan: RolloverPlan | None = None
    refused = None
    try:
        plan = plan_rollover(
            session,
            staff.school,
            to_year,
            today=today,
            promote=asked.promote,
            graduate=asked.graduate,
            increase_percent=asked.increase,
        )
    except LedgerError as why:
        refused = _sentence(str(why))
    standing = _standing(session, staff)
    context: dict[str, Any] = {
        "staff": staff,
        "page": "fees",
        "to_year": to_year,
        "plan": plan,
        "refused": refused,
        "error": error,
        "asked": asked,
        "rows": rows,
        "classes": [c.name for c in _classes(session, staff)],
        "usual": _usual_moves(session, staff),
        "graduate": GRADUATE,
        "fingerprint": fingerprint(plan) if plan is not None else "",
        "increase_text": percent_text(plan.increase_bp) if plan is not None else "",
        "standing": standing,
        "standing_plan": RolloverPlan.from_json(standing.plan) if standing is not None else None,
        "undo_refused": undo_refusal(session, standing, today) if standing is not None else None,
        "done": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "year_rollover.html", context, status_code=422 if error else 200)


@router.get(PATH)
def rollover_page(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    cls: Annotated[list[str], Query(max_length=12)] = [],  # noqa: B006  (FastAPI reads the default)
    to: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
    new: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
    increase: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    rows = _asked_on_form(session, staff, cls, to, new)
    return _page(request, staff, session, _asked(session, staff, rows, increase), rows)


@router.post(PATH)
def apply(
    request: Request,
    staff: ApprovingStaff,
    session: SessionDep,
    promote: Annotated[list[str], Form(max_length=90)] = [],  # noqa: B006
    graduate: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
    increase: Annotated[str, Form(max_length=10)] = "",
    to_year: Annotated[int, Form(ge=2000, le=2100)] = 2000,
    plan_fingerprint: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    now = config_of(request).clock()
    asked = Asked([], list(graduate), increase.strip() or "0")
    try:
        asked = Asked([parse_promotion(text) for text in promote], list(graduate), asked.increase)
        plan = plan_rollover(
            session,
            staff.school,
            to_year,
            today=school_day(now),
            promote=asked.promote,
            graduate=asked.graduate,
            increase_percent=asked.increase,
        )
        if plan.applied_on is None and fingerprint(plan) != plan_fingerprint:
            raise _Stale("The school's classes, students or fees changed since the preview: look again.")
        applied = (
            plan.applied_on is None
            and apply_rollover(session, plan, by=staff.member.email, at=now, staff_id=staff.member.id).applied
        )
        session.commit()
    except (LedgerError, _Stale) as refused:
        session.rollback()
        return _page(request, staff, session, asked, _rows_of(session, staff, asked), _sentence(str(refused)))
    return redirect(request, f"{PATH}?done={'applied' if applied else 'already'}")


def _rows_of(session: Session, staff: Staff, asked: Asked) -> dict[int, str]:
    """The form's rows for choices posted by name (the Apply form's), to show them again."""
    by_name = {c.name: c.id for c in _classes(session, staff)}
    chosen = [*asked.promote, *((name, GRADUATE) for name in asked.graduate)]
    return {by_name[name]: target for name, target in chosen if name in by_name}


@router.post(PATH + "/undo")
def undo(
    request: Request,
    staff: ApprovingStaff,
    session: SessionDep,
    to_year: Annotated[int, Form(ge=2000, le=2100)],
) -> Response:
    try:
        undo_rollover(
            session, staff.school_id, to_year, by=staff.member.email, at=config_of(request).clock(),
            staff_id=staff.member.id,
        )  # fmt: skip
        session.commit()
    except LedgerError as refused:
        session.rollback()
        return _page(request, staff, session, Asked([], [], "0"), {}, _sentence(str(refused)))
    return redirect(request, f"{PATH}?done=undone")


class _Stale(Exception):
    """The plan on the screen is no longer what applying would do."""


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
