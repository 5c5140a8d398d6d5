"""Planning fee reminders: which families to remind today, and why each other family is left alone.

A school's policy (columns on ``School``) gives the reminder days of a term: ``remind_days_before_due``
before the due date, then every ``remind_every_days`` after it, at most ``remind_max_per_term``; and of a
holiday (``ledger.records.school_year``): every ``holiday_remind_every_days`` after the term ended, at most
``holiday_remind_max``, of the arrears. A run reminds each family (a guardian's phone in the school) of the
latest such day that has come and that it was not yet reminded of, so a run missed in quiet hours or while
the service was down catches up once, never twice. One message covers every child of the family who owes.
None goes while a promise to pay stands, to a phone that stopped reminders, or outside the school's hours.
A child on a payment plan that is being kept is reminded of the plan's instalments instead; a missed
instalment puts it back on the policy. From ``next_term_notice_days`` before a term opens, a family of a
child it will charge is told its fees once (``ledger.messaging.next_term_notices``); that day the notice is
the family's one message, and it stands for any holiday reminder day before it.

Planning reads the whole school in a handful of set-based queries (no query per family), so a campaign
for thousands of families takes well under a second; ``ledger.messaging.campaigns`` writes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.promises import standing_promises
from ledger.clock import school_day
from ledger.messaging.families import Family, FamilyChild, kept_plans, read_families
from ledger.messaging.next_term_notices import Notices
from ledger.messaging.reminder_policy import (
    DAYS_BEFORE_INSTALMENT,
    holiday_days,
    in_quiet_hours,
    notice_day,
    policy_days,
)
from ledger.messaging.reminder_rows import TERM_POLICY, Planned, Reminder, ReminderKind, Skipped
from ledger.messaging.reminder_texts import instalment_text, reminder_text
from ledger.records.parents import EVERYTHING, REMINDERS
from ledger.records.school_year import Season, school_terms, season_of
from ledger.records.tables import School, Term

__all__ = [
    "Campaign",
    "Family",
    "FamilyChild",
    "Planned",
    "Reminder",
    "ReminderKind",
    "Skipped",
    "plan_campaign",
    "skipped_by_reason",
]

OWES_NOTHING = "owes nothing"


@dataclass
class Campaign:
    """A school's plan for one run: what to send, whom to leave alone and why, or why nothing runs."""

    school: School
    at: dt.datetime
    term: Term | None = None  # the term running, or in a holiday the term just ended (else the coming one)
    halted: str | None = None  # the whole school waits: reminders off, quiet hours, no term
    planned: list[Planned] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    holiday: bool = False  # planned in a holiday, between terms

    @property
    def season(self) -> str:
        """Where the run falls: "term 2026-1", "holidays after term 2026-1" (or before the first term)."""
        if self.term is None:
            return "no term"
        if not self.holiday:
            return f"term {self.term.code}"
        after = self.term.ends_on < school_day(self.at)
        return f"holidays {'after' if after else 'before'} term {self.term.code}"


@dataclass(frozen=True)
class Window:
    """The reminder days a run works through: a term's, or a holiday's (kept under the term just ended)."""

    term: Term
    days: list[dt.date]
    cap: int
    holiday: bool

    @property
    def counts(self) -> frozenset[ReminderKind]:
        """The kinds of reminder that count to this window's cap."""
        return frozenset({ReminderKind.HOLIDAY}) if self.holiday else TERM_POLICY


def plan_campaign(session: Session, school: School, now: dt.datetime) -> Campaign:
    """Decide today's reminders for one school (reads only; ``campaigns.write_campaign`` writes them).

    The bulk reads go through the session's connection as Core statements: rows of plain values, none of
    the ORM's per-row work.
    """
    campaign = Campaign(school=school, at=now)
    today = school_day(now)
    season = season_of(school_terms(session, school.id), today)
    window, coming = _window(school, season), _coming(school, season, today)
    if not school.reminders_on:
        campaign.halted = "reminders are off for this school"
    elif window is None and coming is None:
        campaign.halted = "no term is running today" + (
            " and holiday reminders are off" if season.holiday else ""
        )
    elif in_quiet_hours(school, now):
        campaign.halted = f"quiet hours ({school.quiet_hours_start:02d}:00-{school.quiet_hours_end:02d}:00)"
    if campaign.halted:
        return campaign
    notices = Notices.load(session, school, *coming) if coming else None
    campaign.term = window.term if window else notices.term if notices else None
    campaign.holiday = season.term is None
    facts = _SchoolFacts.load(session, school, window, notices, today)
    for family in facts.families:
        decision = facts.decide(family)
        if isinstance(decision, Planned):
            campaign.planned.append(decision)
        else:
            campaign.skipped.append(decision)
    return campaign


def _window(school: School, season: Season) -> Window | None:
    if season.term is not None:
        return Window(season.term, policy_days(school, season.term), school.remind_max_per_term, False)
    holiday = season.holiday
    if holiday is None or not school.holiday_reminders_on:
        return None
    return Window(holiday.ended, holiday_days(school, holiday), school.holiday_remind_max, True)


def _coming(school: School, season: Season, today: dt.date) -> tuple[Term, dt.date] | None:
    """Between terms (or before the first), the coming term and its notice day (None: no notice to plan)."""
    coming = season.holiday.next if season.holiday else season.first
    if coming is None or today >= coming.starts_on:
        return None
    day = notice_day(school, coming.starts_on)
    if day is None:
        return None
    return coming, day


@dataclass
class _SchoolFacts:
    """Everything a run needs about one school, read at once."""

    school: School
    window: Window | None
    notices: Notices | None
    today: dt.date
    families: list[Family]
    promised: dict[int, dt.date]  # student -> the date of the promise that stands
    plan_next: dict[int, tuple[dt.date, int]]  # student on a kept plan -> next instalment (date, cents)
    sent: dict[int, set[dt.date]]  # guardian -> reminder days already used in the window
    counted: dict[int, int]  # guardian -> policy reminders sent in the window (the cap counts these)
    slot: dt.date | None = None  # the latest reminder day of the policy that has come
    coming: dt.date | None = None  # the one after it

    def __post_init__(self) -> None:
        days = self.window.days if self.window else []
        passed, later = [on for on in days if on <= self.today], [on for on in days if on > self.today]
        self.slot, self.coming = (passed[-1] if passed else None), (later[0] if later else None)

    @classmethod
    def load(
        cls,
        session: Session,
        school: School,
        window: Window | None,
        notices: Notices | None,
        today: dt.date,
    ) -> _SchoolFacts:
        sent: dict[int, set[dt.date]] = defaultdict(set)
        counted: dict[int, int] = defaultdict(int)
        if window is not None:
            for guardian_id, slot, kind, held in session.connection().execute(
                select(Reminder.guardian_id, Reminder.slot, Reminder.kind, Reminder.held_reason).where(
                    Reminder.school_id == school.id, Reminder.term_id == window.term.id
                )
            ):
                sent[guardian_id].add(slot)
                if kind in window.counts and held is None:
                    counted[guardian_id] += 1
        return cls(
            school,
            window,
            notices,
            today,
            read_families(session, school.id, chase_leavers=school.chase_leavers),
            standing_promises(session, school.id, today),
            kept_plans(session, school.id, today),
            sent,
            counted,
        )

    def decide(self, family: Family) -> Planned | Skipped:
        notice = self.notices.decide(family, self.today) if self.notices else None
        if isinstance(notice, Planned):
            return notice  # the day's one message: it carries the arrears too
        if self.window is None:
            return notice or Skipped(family, "no term is running today")
        decision = self._arrears(family)
        if notice is not None and isinstance(decision, Skipped) and decision.reason == OWES_NOTHING:
            return notice  # a notice to come says more than "owes nothing"
        return decision

    def _arrears(self, family: Family) -> Planned | Skipped:
        owing = tuple(c for c in family.children if c.child.owed > 0)
        if not owing:
            return Skipped(family, OWES_NOTHING)
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
        window, slot = self.window, self.slot
        assert window is not None
        if slot is None:
            coming = self.coming
            return Skipped(
                family, f"next reminder day {coming.isoformat()}" if coming else "no reminder days"
            )
        if slot in self.sent[family.guardian_id]:
            return Skipped(family, f"already reminded for {slot.isoformat()}")
        told = self.notices.told.get(family.guardian_id) if self.notices else None
        if window.holiday and told is not None and slot <= told:
            return Skipped(family, f"told in the next-term notice of {told.isoformat()}")
        if self.counted[family.guardian_id] >= window.cap:
            held = "this holiday" if window.holiday else "this term"
            return Skipped(family, f"reached the cap of {window.cap} {held}")
        due_on = window.term.due_on
        kind = (
            ReminderKind.HOLIDAY
            if window.holiday
            else ReminderKind.BEFORE_DUE
            if slot < due_on
            else ReminderKind.AFTER_DUE
        )
        text = reminder_text(family.language, self.school, [c.child for c in children], due_on, self.today)
        return Planned(family, kind, window.term.id, slot, children, text)

    def _instalment_reminder(self, family: Family, children: tuple[FamilyChild, ...]) -> Planned | Skipped:
        assert self.window is not None
        due_on = min(self.plan_next[c.student_id][0] for c in children)
        slot = due_on - dt.timedelta(days=DAYS_BEFORE_INSTALMENT)
        if self.today < slot:
            return Skipped(family, f"on a payment plan: next reminder {slot.isoformat()}")
        if slot in self.sent[family.guardian_id]:
            return Skipped(family, f"already reminded of the instalment due {due_on.isoformat()}")
        due_now = tuple(c for c in children if self.plan_next[c.student_id][0] == due_on)
        amount = sum(self.plan_next[c.student_id][1] for c in due_now)
        text = instalment_text(family.language, self.school, [c.child for c in due_now], amount, due_on)
        return Planned(family, ReminderKind.INSTALMENT, self.window.term.id, slot, due_now, text)


def skipped_by_reason(campaign: Campaign) -> list[tuple[str, int]]:
    """How many families were left alone for each reason, most first; a reason's date is left out, so
    alike reasons count together ("already reminded for", "next reminder day")."""
    counts = Counter(re.sub(r"\s*\d{4}-\d{2}-\d{2}$", "", s.reason) for s in campaign.skipped)
    return counts.most_common()
