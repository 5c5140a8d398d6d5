"""Reminders between terms, on PostgreSQL and SQLite: the reminders school's term 2026-1 ends on 5 April and
term 2026-2 opens on 5 May (fees KES 30,000), so the holiday's reminder days are 19 April and 3 May (every
14 days after the term ended) and the next-term notice goes on 28 April (7 days before opening)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.messaging.campaigns import deferral_for
from ledger.messaging.outbox import OutboxMessage
from ledger.messaging.reminder_plans import Reminder, ReminderKind, plan_campaign
from ledger.records.tables import SchoolClass, VoteHead
from tests import builders as b
from tests.integration.reminders_school import KES, at, d, pay, run_schedule


def next_term(session, setup):
    """Term 2026-2 with the class's fees set (not invoiced)."""
    school, grade = setup["school"], session.get_one(SchoolClass, setup["kids"]["A1"].class_id)
    term = b.term(session, school, "2026-2")
    tuition = session.scalars(select(VoteHead).where(VoteHead.school_id == school.id)).one()
    b.fees(session, term, grade, {tuition: 30_000 * KES})
    session.commit()
    return term


def planned_kinds(session, school, day) -> dict[str, tuple[ReminderKind, int]]:
    """phone -> (kind, term id) of what a run at noon would plan."""
    campaign = plan_campaign(session, school, at(day))
    return {p.family.phone: (p.kind, p.term_id) for p in campaign.planned}


def message_of(session, guardian, kind) -> OutboxMessage:
    key = session.scalars(
        select(Reminder.message_key).where(Reminder.guardian_id == guardian.id, Reminder.kind == kind)
    ).one()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()


def test_a_holiday_brings_arrears_reminders_then_the_next_term_s_notice_once(session, term_school):
    school, term, kids, families = (term_school[k] for k in ("school", "term", "kids", "families"))
    assert term.ends_on == d(4, 5)
    following = next_term(session, term_school)
    assert plan_campaign(session, school, at(d(4, 12))).planned == []  # before the holiday's first day

    arrears = planned_kinds(session, school, d(4, 19))
    owing = {g.phone for name, g in families.items() if name != "stopped"}
    assert arrears == {phone: (ReminderKind.HOLIDAY, term.id) for phone in owing}
    assert run_schedule(session, school.id, term.id, at(d(4, 19))) == len(owing)
    assert run_schedule(session, school.id, term.id, at(d(4, 19), 15)) == 0
    session.commit()

    # B1 pays before its holiday reminder goes: it is held. A notice is not held by a payment.
    pay(session, school, kids["B1"], "QB1H", 30_000, d(4, 20))
    session.commit()
    held = deferral_for(
        session, message_of(session, families["pays_feb_5"], ReminderKind.HOLIDAY), at(d(4, 20))
    )
    assert held is not None and held.until is None

    notices = planned_kinds(session, school, d(4, 28))  # every family, those who stopped reminders too
    assert notices == {g.phone: (ReminderKind.NEXT_TERM, following.id) for g in families.values()}
    assert run_schedule(session, school.id, term.id, at(d(4, 28))) == len(families)
    session.commit()
    pay(session, school, kids["A1"], "QA1H", 30_000, d(4, 29))
    session.commit()
    notice = message_of(session, families["never_pays"], ReminderKind.NEXT_TERM)
    assert deferral_for(session, notice, at(d(4, 29))) is None
    assert "Term 2 opens on 5 May 2026" in notice.body
    assert planned_kinds(session, school, d(5, 1)) == {}  # told once; no holiday reminder day since

    # The holiday's second reminder day, after the notice: those still owing hear of their arrears again.
    still_owing = {families[n].phone for n in ("two_children", "promises", "plan")}
    assert planned_kinds(session, school, d(5, 3)) == {
        p: (ReminderKind.HOLIDAY, term.id) for p in still_owing
    }


def test_with_holiday_reminders_and_notices_off_nothing_runs_between_terms(session, term_school):
    school = term_school["school"]
    next_term(session, term_school)
    school.holiday_reminders_on, school.next_term_notice_days = False, 0
    campaign = plan_campaign(session, school, at(d(4, 28)))
    assert campaign.halted == "no term is running today and holiday reminders are off"
    school.next_term_notice_days = 7  # notices alone still go
    assert {p.kind for p in plan_campaign(session, school, at(d(4, 28))).planned} == {ReminderKind.NEXT_TERM}


def test_before_the_school_s_first_term_only_its_notice_goes(session, term_school):
    school, term = term_school["school"], term_school["term"]
    assert term.starts_on == d(1, 5)
    early = plan_campaign(session, school, at(dt.date(2025, 12, 27)))
    assert early.planned == [] and {s.reason for s in early.skipped} == {"next-term notice on 2025-12-29"}
    late = plan_campaign(session, school, at(dt.date(2025, 12, 30)))
    assert {(p.kind, p.term_id) for p in late.planned} == {(ReminderKind.NEXT_TERM, term.id)}
