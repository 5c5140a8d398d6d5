"""The school year as a bursar plans it: terms, due dates, the days families hear from Karo, late-fee days,
holidays and the next term's notices, all derived from the school's terms and its policy (nothing stored).

A reminder day is listed only up to the policy's cap (a family that owes all along hears on those days);
the first day a late fee is charged is listed once per term. A notice for a term the school has not set up
yet is listed on the day the usual calendar would put it, "once its fees are set".
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.billing.fee_rules import FeeRules, percent_text, rules_for
from ledger.messaging.reminder_policy import holiday_days, notice_day, policy_days
from ledger.money import kes
from ledger.records.school_year import Holiday, holidays, school_terms
from ledger.records.tables import School, Term


class DayKind(enum.StrEnum):
    TERM = "term"  # a term opens or ends
    DUE = "due"
    REMINDER = "reminder"
    LATE_FEE = "late_fee"
    HOLIDAY = "holiday"  # a holiday begins
    HOLIDAY_REMINDER = "holiday_reminder"
    NOTICE = "notice"  # the next term's fees are told


@dataclass(frozen=True)
class CalendarDay:
    on: dt.date
    kind: DayKind
    what: str  # in a bursar's words


def school_calendar(session: Session, school: School, year: int) -> list[CalendarDay]:
    """Every day of ``year`` on which something happens to the school's fees or families, in order."""
    terms = school_terms(session, school.id)
    days: list[CalendarDay] = []
    rules = rules_for(session, school.id)
    for term in terms:
        days += _term_days(school, rules, term)
    for holiday in holidays(terms):
        days += _holiday_days(school, holiday)
    if terms:
        first = terms[0]
        days += _notice(school, f"Term {first.code} fees told to families", first.starts_on, before=None)
    return sorted((d for d in days if d.on.year == year), key=lambda d: (d.on, list(DayKind).index(d.kind)))


def _term_days(school: School, rules: FeeRules, term: Term) -> list[CalendarDay]:
    days = [
        CalendarDay(term.starts_on, DayKind.TERM, f"Term {term.code} opens"),
        CalendarDay(term.due_on, DayKind.DUE, f"Term {term.code} fees due"),
        CalendarDay(term.ends_on, DayKind.TERM, f"Term {term.code} ends"),
    ]
    if school.reminders_on:
        for on in policy_days(school, term)[: school.remind_max_per_term]:
            when = "before the due date" if on < term.due_on else "after the due date"
            days.append(CalendarDay(on, DayKind.REMINDER, f"Reminder to families who owe ({when})"))
    first_late = term.due_on + dt.timedelta(days=rules.late_fee_grace_days + 1)
    if rules.late_fee_on and first_late <= term.ends_on:
        fee = kes(rules.late_fee_cents) if rules.late_fee_cents else percent_text(rules.late_fee_bp)
        days.append(CalendarDay(first_late, DayKind.LATE_FEE, f"Late fee ({fee}) charged to those who owe"))
    return days


def _holiday_days(school: School, holiday: Holiday) -> list[CalendarDay]:
    days = [
        CalendarDay(
            holiday.starts_on, DayKind.HOLIDAY, f"Holiday until {holiday.ends_on.day} {holiday.ends_on:%b}"
        )
    ]
    if school.reminders_on:
        for on in holiday_days(school, holiday)[: school.holiday_remind_max]:
            days.append(CalendarDay(on, DayKind.HOLIDAY_REMINDER, "Holiday reminder to families in arrears"))
    code = holiday.next.code if holiday.next else holiday.next_code
    label = f"Term {code} fees told to families" + ("" if holiday.next else ", once they are set")
    return days + _notice(school, label, holiday.opens_on, before=holiday.starts_on)


def _notice(school: School, label: str, opens_on: dt.date, *, before: dt.date | None) -> list[CalendarDay]:
    told = notice_day(school, opens_on)
    if told is None or not school.reminders_on:
        return []
    on = max(told, before) if before else told  # a notice day within the term before waits for its end
    return [CalendarDay(on, DayKind.NOTICE, label)]


HEARD = frozenset({DayKind.REMINDER, DayKind.LATE_FEE, DayKind.HOLIDAY_REMINDER, DayKind.NOTICE})


def next_heard(session: Session, school: School, after: dt.date) -> CalendarDay | None:
    """The first day after ``after`` on which families hear from Karo (a reminder, a late fee, a notice)."""
    for year in (after.year, after.year + 1):
        for day in school_calendar(session, school, year):
            if day.on > after and day.kind in HEARD:
                return day
    return None
