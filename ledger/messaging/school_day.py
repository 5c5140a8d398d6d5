"""One school's day of fee work on any clock: the late fees due, then the reminders and notices.

What the schedule does every day (``bot.jobs.fees`` and ``bot.jobs.campaigns`` run the same two steps,
each school in transactions of its own); here in the caller's one transaction, so a test can walk a whole
year on a controlled clock and a lead can add the next step (the year-end rollover) beside it. Running a
day again writes nothing new: each late fee and each reminder is keyed once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.billing.late_fees import LateFeeRun, apply_late_fees
from ledger.clock import school_day
from ledger.messaging.campaigns import write_campaign
from ledger.messaging.reminder_plans import Campaign, plan_campaign
from ledger.records.tables import School


@dataclass(frozen=True)
class DayRun:
    late_fees: LateFeeRun
    campaign: Campaign
    reminders: int  # reminders and notices newly written


def run_school_day(
    session: Session,
    school: School,
    now: dt.datetime,
    *,
    actor: str = "schedule",
    templates: Mapping[str, str] | None = None,
) -> DayRun:
    """Charge the late fees due at ``now`` (Nairobi day), then plan and write the reminders; late fees go
    first so a reminder says what is owed after them. Flushes, never commits."""
    late = apply_late_fees(session, school.id, school_day(now), actor=actor, now=now)
    campaign = plan_campaign(session, school, now)
    written = write_campaign(session, school, campaign.planned, now=now, templates=templates)
    session.flush()
    return DayRun(late, campaign, written)
