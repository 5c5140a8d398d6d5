"""Holidays on the dashboard: the reminders preview between terms (holiday arrears, then the next term's
notice), the policy form's holiday settings (audited before and after), and the calendar of the school year,
each school seeing only its own.

The e2e schools' term opened 20 days ago and ends in 60; its one family owes the term's KES 35,000.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.messaging.reminder_policy import NAIROBI
from ledger.records.tables import School, SchoolClass, Term, VoteHead
from ledger.staff.audit import AuditEntry
from tests import builders as b
from tests.e2e.dashboard.conftest import BURSAR_B, Clock, post_form, sign_in

REMINDERS, CALENDAR = "/dashboard/reminders", "/dashboard/calendar"
HOLIDAY_POLICY = {
    "holiday_reminders_on": "on",
    "holiday_remind_every_days": "10",
    "holiday_remind_max": "2",
    "next_term_notice_days": "5",
}


def the_term(factory: sessionmaker[Session], slug: str = "kilimani") -> Term:
    with factory() as session:
        return session.scalars(select(Term).join(School).where(School.slug == slug)).one()


def next_term_with_fees(factory: sessionmaker[Session], slug: str, weeks_after: int = 3) -> Term:
    """The school's next term, opening ``weeks_after`` weeks after this one ends, with KES 36,000 of fees."""
    with transaction(factory) as session:
        school = session.scalars(select(School).where(School.slug == slug)).one()
        term = session.scalars(select(Term).where(Term.school_id == school.id)).one()
        code = f"{term.year + 1}-1" if term.number == 3 else f"{term.year}-{term.number + 1}"
        following = b.term(session, school, code)
        following.starts_on = term.ends_on + dt.timedelta(weeks=weeks_after)
        following.ends_on = following.starts_on + dt.timedelta(days=80)
        following.due_on = following.starts_on + dt.timedelta(days=14)
        grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
        tuition = session.scalars(select(VoteHead).where(VoteHead.school_id == school.id)).one()
        b.fees(session, following, grade, {tuition: 36_000_00})
        session.expunge(following)
        return following


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), NAIROBI).astimezone(dt.UTC)


def test_in_the_holidays_the_preview_shows_arrears_reminders_then_the_next_term_s_notice(
    bursar: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    term = the_term(staffed)
    clock.now = noon(term.ends_on + dt.timedelta(days=14))  # the holiday's first reminder day (every 14)
    page = bursar.get(REMINDERS).text
    assert "In the holidays after term" in page
    assert "1 family to remind; 0 skipped." in page and "holiday arrears" in page
    assert "Fee reminder." in page and "KES 35,000" in page

    following = next_term_with_fees(staffed, "kilimani")
    clock.now = noon(following.starts_on - dt.timedelta(days=7))  # the default notice day
    page = bursar.get(REMINDERS).text
    assert "next term notice" in page
    opens = f"{following.starts_on.day} {following.starts_on:%b %Y}"
    assert f"Term {following.number} opens on {opens}" in page
    assert "Fees for Achieng KES 36,000, arrears KES 35,000, total KES 71,000" in page
    assert (
        post_form(bursar, f"{REMINDERS}/run", {}, from_page=REMINDERS)
        .headers["location"]
        .endswith("queued=1")
    )
    again = post_form(bursar, f"{REMINDERS}/run", {}, from_page=REMINDERS)
    assert again.headers["location"].endswith("queued=0")


def test_the_policy_form_edits_the_holiday_settings_and_audits_them(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    form = {
        "reminders_on": "on",
        "remind_days_before_due": "7",
        "remind_every_days": "14",
        "remind_max_per_term": "4",
        "quiet_hours_start": "20",
        "quiet_hours_end": "7",
        **HOLIDAY_POLICY,
    }
    page = bursar.get(REMINDERS).text
    assert (
        'name="holiday_remind_every_days" value="14"' in page
        and 'name="next_term_notice_days" value="7"' in page
    )
    assert post_form(bursar, f"{REMINDERS}/policy", form, from_page=REMINDERS).status_code == 303
    with staffed() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        assert (
            school.holiday_remind_every_days,
            school.holiday_remind_max,
            school.next_term_notice_days,
        ) == (
            10,
            2,
            5,
        )
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reminders.policy"))
    assert entry.before is not None and entry.after is not None
    assert (entry.before["holiday_remind_every_days"], entry.after["holiday_remind_every_days"]) == (14, 10)
    assert (entry.before["next_term_notice_days"], entry.after["next_term_notice_days"]) == (7, 5)
    bad = post_form(bursar, f"{REMINDERS}/policy", {**form, "holiday_remind_max": "99"}, from_page=REMINDERS)
    assert (
        bad.status_code == 422
        and "Most reminders a holiday: 99 is not a whole number from 0 to 20." in bad.text
    )
    off = post_form(
        bursar, f"{REMINDERS}/policy", {**form, "holiday_reminders_on": "off"}, from_page=REMINDERS
    )
    assert off.status_code == 303
    with staffed() as session:
        assert (
            session.scalars(select(School.holiday_reminders_on).where(School.slug == "kilimani")).one()
            is False
        )


def test_the_calendar_shows_when_families_hear_from_karo_for_this_school_only(
    bursar: TestClient, web: TestClient, staffed: sessionmaker[Session]
) -> None:
    term = the_term(staffed)
    next_term_with_fees(staffed, "mwangaza")
    with transaction(staffed) as session:  # Kilimani sends no next-term notices; Mwangaza does
        session.scalars(select(School).where(School.slug == "kilimani")).one().next_term_notice_days = 0
    holiday = term.ends_on + dt.timedelta(days=1)

    def shown(year: int) -> str:
        return bursar.get(f"{CALENDAR}?year={year}").text

    page = shown(term.starts_on.year)
    assert f"Term {term.code} opens" in page and f"Term {term.code} fees due" in page
    assert "Reminder to families who owe (before the due date)" in page
    assert f'<time datetime="{(term.due_on - dt.timedelta(days=7)).isoformat()}">' in page
    later = shown(holiday.year) + shown((term.ends_on + dt.timedelta(days=14)).year)
    assert f'<time datetime="{holiday.isoformat()}">' in later and "Holiday until" in later
    assert "Holiday reminder to families in arrears" in later
    assert "fees told to families" not in later
    assert 'aria-current="page">Calendar' in page

    bursar.cookies.clear()
    assert sign_in(web, BURSAR_B).status_code == 303
    theirs = web.get(f"{CALENDAR}?year={(term.ends_on + dt.timedelta(weeks=3)).year}").text
    theirs += web.get(f"{CALENDAR}?year={term.ends_on.year}").text
    assert "fees told to families" in theirs


@pytest.mark.parametrize("year", ["1999", "twenty", "2101"])
def test_a_bad_year_is_refused_politely(
    bursar: TestClient, staffed: sessionmaker[Session], year: str
) -> None:
    answer = bursar.get(f"{CALENDAR}?year={year}")
    assert 400 <= answer.status_code < 500
