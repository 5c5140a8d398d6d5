"""A school's families as reminders and notices see them: each guardian's phone with its children and what
each owes, read in three set-based queries (no query per family)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, cast, func, select, true
from sqlalchemy.orm import Session

from ledger.billing.payment_plans import PlanState, plan_statuses
from ledger.books.tables import Account
from ledger.messaging.reminder_texts import Child
from ledger.records.tables import Guardian, Language, Student, StudentGuardian


@dataclass(frozen=True)
class FamilyChild:
    student_id: int
    child: Child


@dataclass(frozen=True)
class Family:
    guardian_id: int
    phone: str
    name: str
    language: Language
    opted_out: frozenset[str]
    children: tuple[FamilyChild, ...]


def read_families(session: Session, school_id: int, *, chase_leavers: bool = False) -> list[Family]:
    """Every family of the school with its active children (and leavers, when the school chases leavers'
    arrears) and what each owes (three queries)."""
    connection = session.connection()
    owed = dict(
        connection.execute(
            select(Account.student_id, func.sum(Account.balance))
            .where(Account.school_id == school_id, Account.student_id.is_not(None))
            .group_by(Account.student_id)
        ).all()
    )
    children: dict[int, list[FamilyChild]] = defaultdict(list)
    for gid, sid, name, adm in connection.execute(
        select(StudentGuardian.guardian_id, Student.id, Student.name, Student.admission_no)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(Student.school_id == school_id, true() if chase_leavers else Student.active.is_(True))
        .order_by(StudentGuardian.guardian_id, Student.admission_no)
    ).all():
        children[gid].append(FamilyChild(sid, Child(name, adm, int(owed.get(sid) or 0))))
    # Language and opt-outs read as text: most phones opted out of nothing, so most skip the JSON parser.
    guardians = connection.execute(
        select(
            Guardian.id,
            Guardian.phone,
            Guardian.name,
            cast(Guardian.language, String),
            cast(Guardian.opted_out, String),
        )
        .where(Guardian.school_id == school_id)
        .order_by(Guardian.id)
    ).all()
    return [
        Family(gid, phone, name, Language(language), _opt_outs(opted_out), tuple(children[gid]))
        for gid, phone, name, language, opted_out in guardians
        if gid in children
    ]


def _opt_outs(text: str | None) -> frozenset[str]:
    if not text or text in ("[]", "null"):
        return frozenset()
    return frozenset(json.loads(text))


def kept_plans(session: Session, school_id: int, today: dt.date) -> dict[int, tuple[dt.date, int]]:
    """Children on a payment plan being kept -> its next instalment (date, cents)."""
    kept = {}
    for plan, status in plan_statuses(session, school_id, today):
        if status.state == PlanState.KEPT and status.next_due_on is not None:
            kept[plan.student_id] = (status.next_due_on, status.next_amount)
    return kept
