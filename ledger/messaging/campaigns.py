"""Writing a reminder campaign, holding back a reminder that is no longer wanted, and what reminders achieved.

A planned reminder becomes a ``reminders`` row and an outbox message, both inserted in bulk and keyed by
(family, term, reminder day): a second run of the same day, or a run racing it, inserts nothing again. Just
before any bulk message is sent the dispatcher asks ``deferral_for``: one whose school entered quiet hours
goes
when they end; a reminder to a family that paid since it was planned, or promised to pay, does not go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ledger.billing.promises import latest_promises
from ledger.books.tables import Account, Entry, Payment
from ledger.bulk import insert_ignoring_duplicates
from ledger.clock import school_day
from ledger.messaging.outbox import BULK, Category, MessageStatus, OutboxMessage, priority_of
from ledger.messaging.reminder_policy import in_quiet_hours, quiet_hours_end
from ledger.messaging.reminder_rows import Planned, Reminder, ReminderKind
from ledger.messaging.wording import day
from ledger.records.tables import School, Student

REMINDERS, OUTBOX = (cast(Table, model.__table__) for model in (Reminder, OutboxMessage))
PAID_WITHIN = dt.timedelta(days=7)  # a payment this soon after a reminder counts as its effect


def message_key(guardian_id: int, term_id: int, slot: dt.date) -> str:
    return f"reminder:g{guardian_id}:t{term_id}:{slot.isoformat()}"


def write_campaign(
    session: Session,
    school: School,
    planned: Sequence[Planned],
    *,
    now: dt.datetime,
    templates: Mapping[str, str] | None = None,
) -> int:
    """Insert the reminders and their outbox messages that do not exist yet; return how many were new.

    ``templates`` maps a language to the approved WhatsApp template (Twilio ContentSid) that carries a
    reminder outside the 24-hour window; without one the dispatcher falls back to SMS there.
    """
    if not planned:
        return 0
    keys = {message_key(p.family.guardian_id, p.term_id, p.slot): p for p in planned}
    known = set(session.scalars(select(Reminder.message_key).where(Reminder.message_key.in_(list(keys)))))
    new = {key: p for key, p in keys.items() if key not in known}
    # Duplicates are skipped as well, for a run racing this one.
    reminders = [_reminder_row(school, p, key, now) for key, p in new.items()]
    insert_ignoring_duplicates(session, REMINDERS, reminders)
    messages = [_message_row(school, p, key, now, templates or {}) for key, p in new.items()]
    insert_ignoring_duplicates(session, OUTBOX, messages)
    return len(new)


def _reminder_row(school: School, p: Planned, key: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "school_id": school.id,
        "term_id": p.term_id,
        "guardian_id": p.family.guardian_id,
        "slot": p.slot,
        "kind": p.kind.value,
        "message_key": key,
        "student_ids": [c.student_id for c in p.children],
        "total": p.total,
        "planned_at": now,
        "held_reason": None,
    }


def _message_row(
    school: School, p: Planned, key: str, now: dt.datetime, templates: Mapping[str, str]
) -> dict[str, Any]:
    first = p.children[0].child
    return {
        "school_id": school.id,
        "guardian_id": p.family.guardian_id,
        "student_id": p.children[0].student_id if len(p.children) == 1 else None,
        "phone": p.family.phone,
        "channel": "auto",
        "category": Category.REMINDER.value,
        "dedupe_key": key,
        "body": p.text,
        # A next-term notice says more than the reminder template can: it goes as text (SMS outside
        # the WhatsApp window).
        "template_id": None if p.kind == ReminderKind.NEXT_TERM else templates.get(p.family.language.value),
        # Positional variables of the approved template: school, child(ren), amount in KES, the day.
        "template_vars": {
            "1": school.name[:30],
            "2": first.name if len(p.children) == 1 else f"{len(p.children)}",
            "3": f"{p.total // 100:,}",
            "4": day(p.slot, p.family.language),
        },
        "status": MessageStatus.QUEUED.value,
        "priority": priority_of(Category.REMINDER),  # bulk: after anything a parent is waiting for
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


@dataclass(frozen=True)
class Deferral:
    reason: str
    until: dt.datetime | None = None  # send then instead; None means never


def deferral_for(session: Session, message: OutboxMessage, now: dt.datetime) -> Deferral | None:
    """Whether a message about to be sent should wait or not go at all; None means send it.

    Every bulk message (``ledger.messaging.outbox.BULK``) waits for the end of its school's quiet hours; a
    reminder
    the family no longer needs is not sent at all. Anything else (a receipt, an answer) goes at once.
    """
    if message.category not in BULK or message.school_id is None:
        return None
    school = session.get_one(School, message.school_id)
    if in_quiet_hours(school, now):
        return Deferral("quiet hours", until=quiet_hours_end(school, now))
    if message.category != Category.REMINDER:
        return None
    reminder = session.scalars(select(Reminder).where(Reminder.message_key == message.dedupe_key)).first()
    if reminder is None:
        return None
    # A next-term notice tells the coming fees: paying or promising the arrears does not make it unwanted.
    wanted = None if reminder.kind == ReminderKind.NEXT_TERM else _no_longer_wanted(session, reminder, now)
    reason = wanted or _all_left(session, school, reminder)
    if reason is not None:
        reminder.held_reason = reason
        return Deferral(reason)
    return None


def _no_longer_wanted(session: Session, reminder: Reminder, now: dt.datetime) -> str | None:
    owed = session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.student_id.in_(reminder.student_ids)
        )
    )
    if (owed or 0) < reminder.total:
        return "not sent: the family paid after the reminder was planned"
    today = school_day(now)
    promised = {
        student_id
        for student_id, on in latest_promises(session, student_ids=reminder.student_ids).items()
        if on >= today
    }
    if promised >= set(reminder.student_ids):
        return "not sent: the family promised to pay"
    return None


def _all_left(session: Session, school: School, reminder: Reminder) -> str | None:
    """Every child of a reminder left since it was planned, and the school does not chase leavers."""
    if school.chase_leavers:
        return None
    staying = select(Student.id).where(Student.id.in_(reminder.student_ids), Student.active.is_(True))
    return None if session.scalars(staying).first() else "not sent: the child has left the school"


@dataclass(frozen=True)
class Effectiveness:
    """Of the reminders sent in a term, how many families paid within 7 days (waiting: too early to say)."""

    reminded: int
    paid_within_7_days: int
    waiting: int

    @property
    def rate(self) -> float:
        """Share of decided reminders followed by a payment (a ratio for display, never money)."""
        decided = self.reminded - self.waiting
        return self.paid_within_7_days / decided if decided else 0.0


def effectiveness(session: Session, school_id: int, term_id: int, now: dt.datetime) -> Effectiveness:
    """Derived from the reminders sent and the payments posted (reversed ones excluded)."""
    reminders = list(
        session.execute(
            select(Reminder.planned_at, Reminder.student_ids).where(
                Reminder.school_id == school_id, Reminder.term_id == term_id, Reminder.held_reason.is_(None)
            )
        )
    )
    if not reminders:
        return Effectiveness(0, 0, 0)
    start = min(school_day(planned_at) for planned_at, _ in reminders)
    paid_on: dict[int, list[dt.date]] = {}
    reversal = select(Entry.reverses_id).where(Entry.reverses_id.is_not(None), Entry.school_id == school_id)
    for student_id, on in session.execute(
        select(Payment.student_id, Payment.received_on).where(
            Payment.school_id == school_id,
            Payment.received_on >= start,
            Payment.entry_id.not_in(reversal),
        )
    ):
        if student_id is not None:
            paid_on.setdefault(student_id, []).append(on)
    followed = waiting = 0
    for planned_at, student_ids in reminders:
        sent_on = school_day(planned_at)
        if any(sent_on <= on <= sent_on + PAID_WITHIN for sid in student_ids for on in paid_on.get(sid, ())):
            followed += 1
        elif school_day(now) <= sent_on + PAID_WITHIN:
            waiting += 1
    return Effectiveness(len(reminders), followed, waiting)
