"""A school's reminder policy as dates and hours: the term's reminder days, and its quiet hours (Nairobi)."""

from __future__ import annotations

import datetime as dt

from ledger.clock import NAIROBI
from ledger.records.tables import School, Term

DAYS_BEFORE_INSTALMENT = 3  # a plan's instalment is announced this many days before it falls due


def in_quiet_hours(school: School, now: dt.datetime) -> bool:
    """Whether it is within the school's quiet hours in Nairobi (e.g. 20:00-07:00 wraps past midnight)."""
    start, end, hour = school.quiet_hours_start, school.quiet_hours_end, now.astimezone(NAIROBI).hour
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def quiet_hours_end(school: School, now: dt.datetime) -> dt.datetime:
    """The next moment the school's quiet hours are over (``now`` itself when they are not on)."""
    local = now.astimezone(NAIROBI)
    while in_quiet_hours(school, local):
        local = (local + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return local.astimezone(dt.UTC)


def policy_days(school: School, term: Term) -> list[dt.date]:
    """The term's reminder days under the school's policy, in order."""
    days = []
    if school.remind_days_before_due > 0:
        days.append(term.due_on - dt.timedelta(days=school.remind_days_before_due))
    if school.remind_every_days > 0:
        on = term.due_on + dt.timedelta(days=school.remind_every_days)
        while on <= term.ends_on:
            days.append(on)
            on += dt.timedelta(days=school.remind_every_days)
    return days
