"""The school's reminder policy as a form: what a bursar typed, checked field by field, kept when refused."""

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
)


class BadPolicy(ValueError):
    """One line saying which field is wrong and what it may be."""


@dataclass(frozen=True)
class PolicyForm:
    reminders_on: bool
    values: dict[str, str]  # column -> what was typed (or the school's value)
    chase_leavers: bool = False  # keep reminding leavers' families of arrears


def policy_form(school: School) -> PolicyForm:
    return PolicyForm(
        school.reminders_on,
        {limit.column: str(getattr(school, limit.column)) for limit in LIMITS},
        school.chase_leavers,
    )


def policy_snapshot(school: School) -> dict[str, Any]:
    """The policy as an audit row keeps it."""
    return {"reminders_on": school.reminders_on, "chase_leavers": school.chase_leavers} | {
        limit.column: getattr(school, limit.column) for limit in LIMITS
    }


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
    for column, number in numbers.items():
        setattr(school, column, number)
