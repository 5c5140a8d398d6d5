"""A school's reminder policy as dates and hours: the reminder days of a term and of a holiday, the day the
next term's fees are told, and the school's quiet hours (Nairobi)."""

from __future__ import annotations

import datetime as dt

from ledger.clock import NAIROBI
from ledger.records.school_year import Holiday
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


def holiday_days(school: School, holiday: Holiday) -> list[dt.date]:
    """The holiday's arrears reminder days: every ``holiday_remind_every_days`` after the term ended, before
    the next term opens (none when holiday reminders are off)."""
    if not school.holiday_reminders_on or school.holiday_remind_every_days <= 0:
        return []
    every = dt.timedelta(days=school.holiday_remind_every_days)
    days, on = [], holiday.ended.ends_on + every
    while on < holiday.opens_on:
        days.append(on)
        on += every
    return days


def notice_day(school: School, opens_on: dt.date) -> dt.date | None:
    """The day the next term's fees are told to families (None when the school sends no such notice)."""
    if school.next_term_notice_days <= 0:
        return None
    return opens_on - dt.timedelta(days=school.next_term_notice_days)
