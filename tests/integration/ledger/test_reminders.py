"""A whole term of reminders on a controlled clock, on PostgreSQL and SQLite.

The school's policy: 7 days before the due date (19 Jan), then every 14 days, at most 4 a term, quiet
from 20:00 to 07:00 Nairobi. The schedule runs three times a day (06:30 and 21:00 are quiet hours) from the
first to the last day of term, while families pay, promise, stop reminders and keep or miss plans.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.billing.late_fees import apply_late_fees
from ledger.billing.payment_plans import create_plan
from ledger.billing.promises import promise_to_pay
from ledger.books.balances import total_owed
from ledger.books.statements import statement
from ledger.books.tables import Entry, EntryKind
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.messaging.reminder_plans import Reminder, ReminderKind
from ledger.messaging.reminder_policy import policy_days
from ledger.records.tables import Guardian, Language
from tests import builders as b
from tests.integration.reminders_school import (
    DUE,
    END,
    KES,
    NAIROBI,
    START,
    at,
    d,
    pay,
    run_schedule,
)

RUN_HOURS = ((6, 30), (12, 0), (21, 0))


def run_term(session, setup, events) -> None:
    school, term = setup["school"], setup["term"]
    day = START
    while day <= END:
        for hour, minute in RUN_HOURS:
            for event in events.get((day, hour), ()):
                event(session)
            run_schedule(session, school.id, term.id, at(day, hour, minute))
            session.commit()
        day += dt.timedelta(days=1)


def reminded(session, guardian: Guardian) -> list[tuple[dt.date, dt.date]]:
    """(local day it was planned, the reminder day it stands for) of each reminder the family was sent."""
    rows = session.execute(
        select(Reminder.planned_at, Reminder.slot)
        .where(Reminder.guardian_id == guardian.id)
        .order_by(Reminder.id)
    )
    return [(_local(planned_at).date(), slot) for planned_at, slot in rows]


def _local(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(NAIROBI)


@pytest.fixture
def whole_term(session, term_school):
    school, term, kids, families = (term_school[k] for k in ("school", "term", "kids", "families"))
    events = {
        (d(2, 5), 12): [lambda s: pay(s, school, kids["B1"], "QB1", 30_000, d(2, 5))],
        (d(1, 30), 12): [
            lambda s: promise_to_pay(
                s,
                school_id=school.id,
                student_id=kids["D1"].id,
                guardian_id=families["promises"].id,
                on=d(2, 20),
                today=d(1, 30),
                term_ends_on=term.ends_on,
                now=at(d(1, 30)),
            )
        ],
        (d(1, 20), 12): [
            lambda s: create_plan(
                s,
                kids["F1"],
                term,
                [(d(2, 10), 10_000 * KES), (d(3, 10), 10_000 * KES), (d(4, 1), 10_000 * KES)],
                actor="bursar",
                today=d(1, 20),
                now=at(d(1, 20)),
            )
        ],
        (d(2, 9), 12): [lambda s: pay(s, school, kids["F1"], "QF1", 10_000, d(2, 9))],
    }
    run_term(session, term_school, events)
    return term_school


def test_the_policy_days_of_the_term(term_school):
    days = policy_days(term_school["school"], term_school["term"])
    assert days == [d(1, 12), d(2, 2), d(2, 16), d(3, 2), d(3, 16), d(3, 30)]


def test_a_family_that_never_pays_is_reminded_on_the_policy_days_up_to_the_cap(session, whole_term):
    days = reminded(session, whole_term["families"]["never_pays"])
    assert days == [(d(1, 12), d(1, 12)), (d(2, 2), d(2, 2)), (d(2, 16), d(2, 16)), (d(3, 2), d(3, 2))]


def test_a_payment_stops_the_reminders(session, whole_term):
    assert reminded(session, whole_term["families"]["pays_feb_5"]) == [
        (d(1, 12), d(1, 12)),
        (d(2, 2), d(2, 2)),
    ]


def test_a_promise_pauses_reminders_until_its_date_has_passed(session, whole_term):
    # Promised on 30 Jan to pay by 20 Feb: nothing on 2 and 16 Feb; on 21 Feb, still owing, the 16 Feb
    # reminder is made up, and the policy goes on.
    days = reminded(session, whole_term["families"]["promises"])
    assert days == [(d(1, 12), d(1, 12)), (d(2, 21), d(2, 16)), (d(3, 2), d(3, 2)), (d(3, 16), d(3, 16))]


def test_a_kept_plan_is_followed_and_a_missed_instalment_resumes_the_policy(session, whole_term):
    # Before the plan: the policy's 12 Jan. On the plan: 3 days before each instalment (10 Feb paid on time;
    # 10 Mar not). From 11 Mar the policy again: 2 Mar made up, then 16 and 30 Mar (the cap counts only
    # the policy's reminders: 12 Jan, 2, 16 and 30 Mar).
    days = reminded(session, whole_term["families"]["plan"])
    assert days == [
        (d(1, 12), d(1, 12)),
        (d(2, 7), d(2, 7)),
        (d(3, 7), d(3, 7)),
        (d(3, 11), d(3, 2)),
        (d(3, 16), d(3, 16)),
        (d(3, 30), d(3, 30)),
    ]
    kinds = session.scalars(
        select(Reminder.kind)
        .where(Reminder.guardian_id == whole_term["families"]["plan"].id)
        .order_by(Reminder.id)
    ).all()
    assert kinds[1:3] == [ReminderKind.INSTALMENT, ReminderKind.INSTALMENT]


def test_an_opted_out_family_gets_no_reminder(session, whole_term):
    assert reminded(session, whole_term["families"]["stopped"]) == []


def test_nothing_is_planned_in_quiet_hours(session, whole_term):
    hours = {_local(moment).hour for moment in session.scalars(select(Reminder.planned_at))}
    assert hours == {12}


def test_one_message_per_family_names_each_child_and_the_total(session, whole_term):
    family = whole_term["families"]["two_children"]
    first = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.guardian_id == family.id, OutboxMessage.category == Category.REMINDER)
        .order_by(OutboxMessage.id)
    ).first()
    assert first.body == (
        "Kilimani Junior: Fee reminder. Child C1 (C1) KES 30,000; Child C2 (C2) KES 30,000. Total KES 60,000"
        " due 19 Jan 2026. Pay by Paybill 522522 account each child's admission no., dial *384*25# or reply"
        " PAY. Reply STOP to end reminders."
    )
    assert len(reminded(session, family)) == 4


def test_running_the_schedule_again_in_the_same_window_writes_nothing(session, term_school):
    school, term = term_school["school"], term_school["term"]
    first = run_schedule(session, school.id, term.id, at(d(1, 12), 9))
    session.commit()
    again = run_schedule(session, school.id, term.id, at(d(1, 12), 15))
    session.commit()
    assert (first, again) == (5, 0)  # every family that owes and did not stop reminders, once
    assert session.query(OutboxMessage).filter(OutboxMessage.category == Category.REMINDER).count() == 5


def test_kiswahili_families_are_reminded_in_kiswahili(session, term_school):
    family = term_school["families"]["never_pays"]
    family.language = Language.SW
    session.commit()
    run_schedule(session, term_school["school"].id, term_school["term"].id, at(d(2, 3)))
    session.commit()
    body = session.scalars(
        select(OutboxMessage.body).where(
            OutboxMessage.guardian_id == family.id, OutboxMessage.category == Category.REMINDER
        )
    ).one()
    assert body == (
        "Kilimani Junior: Kumbusho la ada. Child A1 (A1) KES 30,000. Jumla KES 30,000, ilipaswa kulipwa"
        " 19 Jan 2026. Lipa kwa Paybill 522522 akaunti A1, piga *384*25# au jibu LIPA. Jibu ACHA kusitisha."
    )


@pytest.fixture
def ruled_school(session):
    """The same policy with every fee rule on: 5% late after 7 days' grace, 10% off a second child's
    tuition, 5% off a term paid in full 10 days before it is due."""
    school = b.school(session, slug="ruled", name="Ruled Academy", paybill="522522",
                      remind_days_before_due=7, remind_every_days=14, remind_max_per_term=4)  # fmt: skip
    grade = b.school_class(session, school, "Grade 4")
    tuition = b.vote_head(session, school, "Tuition", 10)
    term = b.term(session, school, "2026-1", due=DUE)
    b.fees(session, term, grade, {tuition: 30_000 * KES})
    set_rules(session, school.id, RuleChanges(late_fee_bp=500, grace_days=7, sibling_bp=1000,
                                              early_bp=500, early_days=10))  # fmt: skip
    kids = {adm: b.student(session, grade, adm, f"Child {adm}") for adm in ("A1", "C1", "C2", "E1")}
    families = {
        "late": b.guardian(session, school, "+254700000011", kids["A1"]),
        "siblings": b.guardian(session, school, "+254700000012", kids["C1"], kids["C2"]),
        "early": b.guardian(session, school, "+254700000013", kids["E1"]),
    }
    invoice_class(session, grade, term, actor="t")
    session.commit()
    return {"school": school, "term": term, "kids": kids, "families": families}


def test_a_whole_term_with_late_fees_and_discounts(session, ruled_school):
    school, term, kids, families = (ruled_school[k] for k in ("school", "term", "kids", "families"))
    late_fees = lambda s, day: apply_late_fees(s, school.id, day, actor="schedule")  # noqa: E731
    events = {(d(1, 8), 12): [lambda s: pay(s, school, kids["E1"], "QE1", 28_500, d(1, 8))]}
    day = START
    while day <= END:
        late_fees(session, day)  # the daily job, at 06:00
        for hour, minute in RUN_HOURS:
            for event in events.get((day, hour), ()):
                event(session)
            run_schedule(session, school.id, term.id, at(day, hour, minute))
            session.commit()
        day += dt.timedelta(days=1)
    owed = {adm: total_owed(session, kid.id) // KES for adm, kid in kids.items()}
    # A1: 30,000 + 5% late; C2: 10% off tuition, then 5% late on the 27,000; E1 paid 95% 11 days early.
    assert owed == {"A1": 31_500, "C1": 31_500, "C2": 28_350, "E1": 0}
    late = session.scalars(select(Entry).where(Entry.kind == EntryKind.LATE_FEE)).all()
    assert sorted((e.student_id, e.effective_on) for e in late) == sorted(
        (kids[adm].id, d(1, 27)) for adm in ("A1", "C1", "C2")
    )  # once each, on the first day past the grace period
    bodies = session.scalars(
        select(OutboxMessage.body)
        .where(
            OutboxMessage.guardian_id == families["siblings"].id, OutboxMessage.category == Category.REMINDER
        )
        .order_by(OutboxMessage.id)
    ).all()
    assert "Child C1 (C1) KES 30,000; Child C2 (C2) KES 27,000. Total KES 57,000 due 19 Jan" in bodies[0]
    assert "Child C1 (C1) KES 31,500; Child C2 (C2) KES 28,350. Total KES 59,850 was due 19 Jan" in bodies[1]
    assert reminded(session, families["early"]) == []
    assert len(reminded(session, families["late"])) == 4
    memos = [line.description for line in statement(session, kids["C2"], limit=10).lines]
    assert any("Sibling discount" in memo for memo in memos) and any("Late fee" in memo for memo in memos)
