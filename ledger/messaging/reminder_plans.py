"""Planning fee reminders: which families to remind today, and why each other family is left alone.

A school's policy (columns on ``School``) gives the reminder days of a term: ``remind_days_before_due``
before the due date, then every ``remind_every_days`` after it, at most ``remind_max_per_term``. A run
reminds each family (a guardian's phone in the school) of the latest such day that has come and that it
was not yet reminded of, so a run missed in quiet hours or while the service was down catches up once,
never twice. One message covers every child of the family who owes. None goes while a promise to pay
stands, to a phone that stopped reminders, or outside the school's hours. A child on a payment plan that is
being kept is reminded of the plan's instalments instead; a missed instalment puts it back on the policy.

Planning reads the whole school in a handful of set-based queries (no query per family), so a campaign
for thousands of families takes well under a second; ``ledger.messaging.campaigns`` writes it.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.billing.payment_plans import PlanState, plan_statuses
from ledger.billing.promises import standing_promises
from ledger.books.tables import Account
from ledger.clock import school_day
from ledger.db import Base, UtcDateTime
from ledger.messaging.reminder_policy import (
    DAYS_BEFORE_INSTALMENT,
    in_quiet_hours,
    policy_days,
)
from ledger.messaging.reminder_texts import Child, instalment_text, reminder_text
from ledger.records.parents import EVERYTHING, REMINDERS
from ledger.records.tables import Guardian, Language, School, Student, StudentGuardian, Term, _enum
from ledger.records.terms import current_term


class ReminderKind(enum.StrEnum):
    BEFORE_DUE = "before_due"
    AFTER_DUE = "after_due"
    INSTALMENT = "instalment"


class Reminder(Base):
    """A reminder planned for a family on one reminder day; its message is the outbox row ``message_key``."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("guardian_id", "term_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    slot: Mapped[dt.date] = mapped_column(Date)  # the reminder day it stands for
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind))
    message_key: Mapped[str] = mapped_column(String(160), unique=True)
    student_ids: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(BigInteger)  # cents owed by those children when planned
    planned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    held_reason: Mapped[str | None] = mapped_column(Text)  # why it was not sent after all


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


@dataclass(frozen=True)
class Planned:
    family: Family
    kind: ReminderKind
    slot: dt.date
    children: tuple[FamilyChild, ...]
    text: str

    @property
    def total(self) -> int:
        return sum(c.child.owed for c in self.children)


@dataclass(frozen=True)
class Skipped:
    family: Family
    reason: str


@dataclass
class Campaign:
    """A school's plan for one run: what to send, whom to leave alone and why, or why nothing runs."""

    school: School
    at: dt.datetime
    term: Term | None = None
    halted: str | None = None  # the whole school waits: reminders off, quiet hours, no term
    planned: list[Planned] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def plan_campaign(session: Session, school: School, now: dt.datetime) -> Campaign:
    """Decide today's reminders for one school (reads only; ``campaigns.write_campaign`` writes them).

    The bulk reads go through the session's connection as Core statements: rows of plain values, none of
    the ORM's per-row work.
    """
    campaign = Campaign(school=school, at=now)
    today = school_day(now)
    term = current_term(session, school.id, today)
    if not school.reminders_on:
        campaign.halted = "reminders are off for this school"
    elif term is None or not term.starts_on <= today <= term.ends_on:
        campaign.halted = "no term is running today"
    elif in_quiet_hours(school, now):
        campaign.halted = f"quiet hours ({school.quiet_hours_start:02d}:00-{school.quiet_hours_end:02d}:00)"
    if campaign.halted or term is None:
        return campaign
    campaign.term = term
    facts = _SchoolFacts.load(session, school, term, today)
    for family in facts.families:
        decision = facts.decide(family)
        if isinstance(decision, Planned):
            campaign.planned.append(decision)
        else:
            campaign.skipped.append(decision)
    return campaign


@dataclass
class _SchoolFacts:
    """Everything a run needs about one school, read at once."""

    school: School
    term: Term
    today: dt.date
    families: list[Family]
    promised: dict[int, dt.date]  # student -> the date of the promise that stands
    plan_next: dict[int, tuple[dt.date, int]]  # student on a kept plan -> next instalment (date, cents)
    sent: dict[int, set[dt.date]]  # guardian -> reminder days already used this term
    counted: dict[int, int]  # guardian -> policy reminders sent this term (the cap counts these)
    slot: dt.date | None = None  # the latest reminder day of the policy that has come
    coming: dt.date | None = None  # the one after it
    cap: int = 0

    def __post_init__(self) -> None:
        days = policy_days(self.school, self.term)
        passed, later = [on for on in days if on <= self.today], [on for on in days if on > self.today]
        self.slot, self.coming = (passed[-1] if passed else None), (later[0] if later else None)
        self.cap = self.school.remind_max_per_term

    @classmethod
    def load(cls, session: Session, school: School, term: Term, today: dt.date) -> _SchoolFacts:
        sent: dict[int, set[dt.date]] = defaultdict(set)
        counted: dict[int, int] = defaultdict(int)
        for guardian_id, slot, kind, held in session.connection().execute(
            select(Reminder.guardian_id, Reminder.slot, Reminder.kind, Reminder.held_reason).where(
                Reminder.school_id == school.id, Reminder.term_id == term.id
            )
        ):
            sent[guardian_id].add(slot)
            if kind != ReminderKind.INSTALMENT and held is None:
                counted[guardian_id] += 1
        return cls(
            school,
            term,
            today,
            _families(session, school.id, chase_leavers=school.chase_leavers),
            standing_promises(session, school.id, today),
            _kept_plans(session, school.id, today),
            sent,
            counted,
        )

    def decide(self, family: Family) -> Planned | Skipped:
        owing = tuple(c for c in family.children if c.child.owed > 0)
        if not owing:
            return Skipped(family, "owes nothing")
        if EVERYTHING in family.opted_out:
            return Skipped(family, "stopped all messages")
        if REMINDERS in family.opted_out:
            return Skipped(family, "stopped reminders")
        unpromised = tuple(c for c in owing if c.student_id not in self.promised)
        if not unpromised:
            until = max(self.promised[c.student_id] for c in owing)
            return Skipped(family, f"promised to pay by {until.isoformat()}")
        on_policy = tuple(c for c in unpromised if c.student_id not in self.plan_next)
        if on_policy:
            return self._policy_reminder(family, on_policy)
        return self._instalment_reminder(family, unpromised)

    def _policy_reminder(self, family: Family, children: tuple[FamilyChild, ...]) -> Planned | Skipped:
        slot = self.slot
        if slot is None:
            coming = self.coming
            return Skipped(
                family, f"next reminder day {coming.isoformat()}" if coming else "no reminder days"
            )
        if slot in self.sent[family.guardian_id]:
            return Skipped(family, f"already reminded for {slot.isoformat()}")
        if self.counted[family.guardian_id] >= self.cap:
            return Skipped(family, f"reached the cap of {self.cap} this term")
        kind = ReminderKind.BEFORE_DUE if slot < self.term.due_on else ReminderKind.AFTER_DUE
        text = reminder_text(
            family.language, self.school, [c.child for c in children], self.term.due_on, self.today
        )
        return Planned(family, kind, slot, children, text)

    def _instalment_reminder(self, family: Family, children: tuple[FamilyChild, ...]) -> Planned | Skipped:
        due_on = min(self.plan_next[c.student_id][0] for c in children)
        slot = due_on - dt.timedelta(days=DAYS_BEFORE_INSTALMENT)
        if self.today < slot:
            return Skipped(family, f"on a payment plan: next reminder {slot.isoformat()}")
        if slot in self.sent[family.guardian_id]:
            return Skipped(family, f"already reminded of the instalment due {due_on.isoformat()}")
        due_now = tuple(c for c in children if self.plan_next[c.student_id][0] == due_on)
        amount = sum(self.plan_next[c.student_id][1] for c in due_now)
        text = instalment_text(family.language, self.school, [c.child for c in due_now], amount, due_on)
        return Planned(family, ReminderKind.INSTALMENT, slot, due_now, text)


def _families(session: Session, school_id: int, *, chase_leavers: bool = False) -> list[Family]:
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


def _kept_plans(session: Session, school_id: int, today: dt.date) -> dict[int, tuple[dt.date, int]]:
    kept = {}
    for plan, status in plan_statuses(session, school_id, today):
        if status.state == PlanState.KEPT and status.next_due_on is not None:
            kept[plan.student_id] = (status.next_due_on, status.next_amount)
    return kept


def skipped_by_reason(campaign: Campaign) -> list[tuple[str, int]]:
    """How many families were left alone for each reason, most first; a reason's date is left out, so
    alike reasons count together ("already reminded for", "next reminder day")."""
    counts = Counter(re.sub(r"\s*\d{4}-\d{2}-\d{2}$", "", s.reason) for s in campaign.skipped)
    return counts.most_common()
