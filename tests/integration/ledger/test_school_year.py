"""A whole school year on a controlled clock, on PostgreSQL and SQLite: 2026's three terms and three holidays.

A generated school (``tests.integration.year_school``) lives from 1 January 2026 to the day before 2027's
first term opens. Each term is invoiced on its opening morning; each day at noon the school's day runs
(``ledger.messaging.school_day.run_school_day``: late fees, then reminders and notices) and then runs again,
which must write nothing. Every family's reminders, notices and late fees are then checked against the policy:
7 days before the due date and every 14 days after, 4 a term; in a holiday every 14 days after the term
ended, 3 a holiday; each term's fees told 7 days before it opens; a KES 500 late fee 7 days after the due
date. On 2 January 2027 the school rolls over to 2027 (Grade 6 graduates), and again, which changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.billing.promises import promise_to_pay
from ledger.billing.rollover_planning import plan_rollover
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, EntryKind
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.messaging.reminder_plans import Reminder, ReminderKind
from ledger.messaging.reminder_policy import notice_day, policy_days
from ledger.messaging.school_day import run_school_day
from ledger.money import kes
from ledger.records.tables import Language, SchoolClass, Student
from ledger.staff.rollover import apply_rollover
from tests.integration.reminders_school import NAIROBI, at, d
from tests.integration.year_school import (
    GRACE_DAYS,
    LATE_FEE,
    PAYS_LATE_AFTER_DUE,
    YearSchool,
    family_of,
    late_payers_pay,
    opening_morning,
    year_school,
)

FIRST, LAST = d(1, 1), dt.date(2027, 1, 3)
ROLLOVER_DAY = dt.date(2027, 1, 2)  # in the holiday, after 2026-3 ended and before 2027-1 opens
PROMISED = (d(4, 10), d(4, 25))  # a family paying half promises in the April holiday, then does not pay


def written_rows(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Reminder, OutboxMessage, Entry)
    )


def live_the_year(
    session, year: YearSchool, more: Mapping[dt.date, Callable[[Session], object]] | None = None
) -> None:
    """Each day from FIRST to LAST: the day's events (openings, payments, a promise, and ``more``, e.g. the
    year-end rollover on its day), then the school's day at noon, and at 15:00 on the days that count."""
    openings = {term.starts_on: term for term in year.terms}
    late_days = {term.due_on + PAYS_LATE_AFTER_DUE: term for term in year.terms}
    promiser = family_of(session, year, "half", Language.EN)
    day = FIRST
    while day <= LAST:
        if day in openings:
            opening_morning(session, year, openings[day])
        if day in late_days:
            late_payers_pay(session, year, late_days[day], day)
        if day == PROMISED[0]:
            for kid in year.children[promiser.id]:
                promise_to_pay(
                    session,
                    school_id=year.school.id,
                    student_id=kid.id,
                    guardian_id=promiser.id,
                    on=PROMISED[1],
                    today=day,
                    term_ends_on=None,
                    now=at(day),
                )
        if more and day in more:
            more[day](session)
        first = run_school_day(session, year.school, at(day))
        session.commit()
        if first.reminders or first.late_fees.charged or day.weekday() == 0:  # the days that did something
            before = written_rows(session)
            again = run_school_day(session, year.school, at(day, 15))
            session.commit()
            assert (again.reminders, again.late_fees.charged, written_rows(session)) == (0, 0, before), day
        day += dt.timedelta(days=1)


def test_a_whole_year_on_a_controlled_clock(session):
    """One year lived (it takes seconds), then every promise of the policy checked on it."""
    year = year_school(session)
    before: dict[int, tuple[int, int]] = {}
    live_the_year(session, year, {ROLLOVER_DAY: lambda session: roll_over(session, year, before)})
    the_january_rollover_moved_every_class_and_graduated_grade_6(session, year, before)
    in_term_and_holidays_a_family_that_never_pays_hears_on_the_policy_days(session, year)
    each_term_s_fees_are_told_once_to_every_family_but_the_silent(session, year)
    a_notice_says_the_opening_day_fees_arrears_and_total(session, year, before)
    habits_decide_who_hears_what(session, year)
    late_fees_are_charged_only_in_term_once_per_child_and_term(session, year)
    a_family_gets_at_most_one_reminder_a_day(session)


def roll_over(session, year: YearSchool, before: dict[int, tuple[int, int]]) -> None:
    """The year-end rollover to 2027 (Grade 6 graduates), applied twice: the second changes nothing."""
    for kid in session.scalars(select(Student).where(Student.school_id == year.school.id)):
        before[kid.id] = (kid.class_id, total_owed(session, kid.id))
    plan = plan_rollover(session, year.school, 2027, today=ROLLOVER_DAY, graduate=["Grade 6"])
    assert apply_rollover(session, plan, by="head", at=at(ROLLOVER_DAY, 9)).applied
    session.commit()
    again = plan_rollover(session, year.school, 2027, today=ROLLOVER_DAY, graduate=["Grade 6"])
    assert not apply_rollover(session, again, by="head", at=at(ROLLOVER_DAY, 10)).applied


def the_january_rollover_moved_every_class_and_graduated_grade_6(
    session, year: YearSchool, before: dict[int, tuple[int, int]]
) -> None:
    names = {c.id: c.name for c in session.scalars(select(SchoolClass))}
    moved = {"Grade 4": "Grade 5", "Grade 5": "Grade 6"}
    assert len(before) == sum(len(kids) for kids in year.children.values())
    for kid in session.scalars(select(Student).where(Student.school_id == year.school.id)):
        class_before, owed_before = before[kid.id]
        assert total_owed(session, kid.id) == owed_before  # one running ledger: balances carried as they are
        if names[class_before] == "Grade 6":
            graduated = year.terms[2].ends_on + dt.timedelta(days=1)  # the day after the year's last term
            assert (kid.left_on, kid.leave_reason) == (graduated, "graduated")
        else:
            assert names[kid.class_id] == moved[names[class_before]] and kid.left_on is None


def reminders_of(session, guardian_id: int) -> list[tuple[ReminderKind, dt.date, dt.date, str]]:
    """(kind, slot, local day planned, term code) of each of a family's reminders, in order."""
    from ledger.records.tables import Term

    rows = session.execute(
        select(Reminder.kind, Reminder.slot, Reminder.planned_at, Term.year, Term.number)
        .join(Term, Term.id == Reminder.term_id)
        .where(Reminder.guardian_id == guardian_id)
        .order_by(Reminder.id)
    )
    return [(kind, slot, _day(planned), f"{y}-{n}") for kind, slot, planned, y, n in rows]


def _day(moment: dt.datetime) -> dt.date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(NAIROBI).date()


def in_term_and_holidays_a_family_that_never_pays_hears_on_the_policy_days(session, year):
    school, terms = year.school, year.terms
    never = family_of(session, year, "never", Language.EN)
    got = reminders_of(session, never.id)
    # In term: the policy's days up to the cap of 4, each on its day.
    for term in terms[:3]:
        in_term = [
            (slot, on)
            for kind, slot, on, code in got
            if code == term.code and kind != ReminderKind.NEXT_TERM and kind != ReminderKind.HOLIDAY
        ]
        assert in_term == [(on, on) for on in policy_days(school, term)[:4]]
    # In the holidays: 14 days after each term ended, before the next opens, at most 3 (25 Dec is the 4th).
    holiday = [(slot, on) for kind, slot, on, _ in got if kind == ReminderKind.HOLIDAY]
    expected = [d(4, 17), d(8, 14), d(11, 13), d(11, 27), d(12, 11)]
    assert holiday == [(on, on) for on in expected]
    assert {code for kind, _, _, code in got if kind == ReminderKind.HOLIDAY} == {
        "2026-1",
        "2026-2",
        "2026-3",
    }


def each_term_s_fees_are_told_once_to_every_family_but_the_silent(session, year: YearSchool) -> None:
    notices = defaultdict(list)
    for guardian_id, slot, planned in session.execute(
        select(Reminder.guardian_id, Reminder.slot, Reminder.planned_at)
        .where(Reminder.kind == ReminderKind.NEXT_TERM)
        .order_by(Reminder.id)
    ):
        notices[guardian_id].append((slot, _day(planned)))
    told = [(notice_day(year.school, t.starts_on), t.starts_on) for t in year.terms]
    # 2026-1's notice day (29 Dec 2025) came before the clock started: caught up on 1 January.
    expected = [(told[0][0], FIRST)] + [(day, day) for day, _ in told[1:]]
    for guardian_id, habit in year.habits.items():
        assert notices[guardian_id] == ([] if habit == "silent" else expected), habit


def a_notice_says_the_opening_day_fees_arrears_and_total(
    session, year: YearSchool, before: dict[int, tuple[int, int]]
) -> None:
    never = family_of(session, year, "never", Language.EN)
    kids = year.children[never.id]
    term2 = year.terms[1]
    body, total = session.execute(
        select(OutboxMessage.body, Reminder.total)
        .join(Reminder, Reminder.message_key == OutboxMessage.dedupe_key)
        .where(
            Reminder.guardian_id == never.id,
            Reminder.kind == ReminderKind.NEXT_TERM,
            Reminder.term_id == term2.id,
        )
    ).one()
    fees = sum(year.fees[before[kid.id][0]] for kid in kids)  # 2026's classes, before the rollover
    arrears = fees + LATE_FEE * len(kids)  # term 1 unpaid, and its late fee
    assert "Term 2 opens on 27 Apr 2026" in body
    assert f"KES {kes(fees, label=False)}, arrears KES {kes(arrears, label=False)}" in body
    assert f"total KES {kes(fees + arrears, label=False)} due by 11 May 2026" in body
    assert total == fees + arrears
    swahili = family_of(session, year, "never", Language.SW)
    sw_body = session.scalars(
        select(OutboxMessage.body)
        .join(Reminder, Reminder.message_key == OutboxMessage.dedupe_key)
        .where(
            Reminder.guardian_id == swahili.id,
            Reminder.kind == ReminderKind.NEXT_TERM,
            Reminder.term_id == term2.id,
        )
    ).one()
    assert "Muhula wa 2 unaanza 27 Apr 2026" in sw_body and ", deni KES " in sw_body


def habits_decide_who_hears_what(session, year: YearSchool) -> None:
    kinds: dict[str, Counter[ReminderKind]] = defaultdict(Counter)
    for guardian_id, habit in year.habits.items():
        kinds[habit].update(kind for kind, *_ in reminders_of(session, guardian_id))
    notices_only = Counter(
        {ReminderKind.NEXT_TERM: 4 * len([h for h in year.habits.values() if h == "on_time"])}
    )
    assert kinds["on_time"] == notices_only
    assert set(kinds["stopped"]) == {ReminderKind.NEXT_TERM}
    assert kinds["silent"] == Counter()
    # Late payers hear before the due date and 14 days after it, then pay: nothing in the holidays.
    late = len([h for h in year.habits.values() if h == "late"])
    assert kinds["late"][ReminderKind.HOLIDAY] == 0
    assert kinds["late"][ReminderKind.BEFORE_DUE] == kinds["late"][ReminderKind.AFTER_DUE] == 3 * late
    # Half payers hear in term and in the holidays; the one that promised in April skips that holiday.
    promiser = family_of(session, year, "half", Language.EN)
    april = [on for kind, _, on, _ in reminders_of(session, promiser.id) if kind == ReminderKind.HOLIDAY]
    assert d(4, 17) not in april and PROMISED[1] + dt.timedelta(days=1) not in april
    others = [g for g, h in year.habits.items() if h == "half" and g != promiser.id]
    for guardian_id in others:
        assert d(4, 17) in [
            on for kind, _, on, _ in reminders_of(session, guardian_id) if kind == ReminderKind.HOLIDAY
        ]


def late_fees_are_charged_only_in_term_once_per_child_and_term(session, year: YearSchool) -> None:
    rows = session.execute(
        select(Entry.student_id, Entry.term_id, Entry.effective_on).where(Entry.kind == EntryKind.LATE_FEE)
    ).all()
    by_term = {t.id: t for t in year.terms}
    assert len({(s, t) for s, t, _ in rows}) == len(rows)
    for _, term_id, on in rows:
        term = by_term[term_id]
        assert on == term.due_on + dt.timedelta(days=GRACE_DAYS + 1)
        assert term.starts_on <= on <= term.ends_on
    owing_habits = {"late", "half", "never", "stopped", "silent"}
    owing = {kid.id for g, h in year.habits.items() if h in owing_habits for kid in year.children[g]}
    for term in year.terms[:3]:
        assert {s for s, t, _ in rows if t == term.id} == owing


def a_family_gets_at_most_one_reminder_a_day(session) -> None:
    per_day = Counter(
        (guardian_id, _day(created))
        for guardian_id, created in session.execute(
            select(OutboxMessage.guardian_id, OutboxMessage.created_at).where(
                OutboxMessage.category == Category.REMINDER
            )
        )
    )
    assert per_day and max(per_day.values()) == 1
