"""The school's reminder policy as a form: what a bursar typed, checked field by field, kept when refused.

It covers term days and holidays (arrears reminders between terms, the next term's notice); a holiday
field a request leaves out keeps the school's value, so a form from before those settings still saves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.records.tables import School


@dataclass(frozen=True)
class Limit:
    column: str  # the School column (and the form field)
    label: str
    low: int
    high: int


LIMITS = (
    Limit("remind_days_before_due", "Days before the due date", 0, 60),
    Limit("remind_every_days", "Days between reminders after it", 1, 60),
    Limit("remind_max_per_term", "Most reminders a term", 0, 20),
    Limit("quiet_hours_start", "Quiet hours start (hour)", 0, 23),
    Limit("quiet_hours_end", "Quiet hours end (hour)", 0, 23),
    Limit("holiday_remind_every_days", "Days between holiday reminders", 1, 60),
    Limit("holiday_remind_max", "Most reminders a holiday", 0, 20),
    Limit("next_term_notice_days", "Days before a term opens to tell its fees", 0, 60),
)


class BadPolicy(ValueError):
    """One line saying which field is wrong and what it may be."""


@dataclass(frozen=True)
class PolicyForm:
    reminders_on: bool
    values: dict[str, str]  # column -> what was typed (or the school's value)
    chase_leavers: bool = False  # keep reminding leavers' families of arrears
    holiday_on: bool = True  # arrears reminders between terms


def policy_form(school: School) -> PolicyForm:
    return PolicyForm(
        school.reminders_on,
        {limit.column: str(getattr(school, limit.column)) for limit in LIMITS},
        school.chase_leavers,
        school.holiday_reminders_on,
    )


def typed_form(school: School, switches: dict[str, str | None], typed: dict[str, str | None]) -> PolicyForm:
    """The form as posted: a switch is "on" or not; a field that is None keeps the school's value."""
    current = policy_form(school)

    def switch(name: str, now: bool) -> bool:
        posted = switches.get(name)
        return now if posted is None else posted == "on"

    values = {
        column: current.values[column] if typed.get(column) is None else str(typed[column])
        for column in current.values
    }
    return PolicyForm(
        switch("reminders_on", current.reminders_on),
        values,
        switch("chase_leavers", current.chase_leavers),
        switch("holiday_reminders_on", current.holiday_on),
    )


def policy_snapshot(school: School) -> dict[str, Any]:
    """The policy as an audit row keeps it."""
    switches = {
        "reminders_on": school.reminders_on,
        "chase_leavers": school.chase_leavers,
        "holiday_reminders_on": school.holiday_reminders_on,
    }
    return switches | {limit.column: getattr(school, limit.column) for limit in LIMITS}


def checked(form: PolicyForm) -> dict[str, int]:
    """The form's numbers, each within its limits; else BadPolicy naming the first wrong field."""
    numbers = {}
    for limit in LIMITS:
        text = form.values.get(limit.column, "").strip()
        rule = f"a whole number from {limit.low} to {limit.high}"
        if not text:
            raise BadPolicy(f"{limit.label}: give {rule}.")
        try:
            number = int(text)
        except ValueError:
            raise BadPolicy(f"{limit.label}: {text!r} is not {rule}.") from None
        if not limit.low <= number <= limit.high:
            raise BadPolicy(f"{limit.label}: {number} is not {rule}.")
        numbers[limit.column] = number
    return numbers


def apply_policy(school: School, form: PolicyForm, numbers: dict[str, int]) -> None:
    school.reminders_on, school.chase_leavers = form.reminders_on, form.chase_leavers
    school.holiday_reminders_on = form.holiday_on
    for column, number in numbers.items():
        setattr(school, column, number)
