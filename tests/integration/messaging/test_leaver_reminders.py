"""A reminder planned before a child left is not sent after, unless the school chases leavers' arrears."""

from __future__ import annotations

from ledger.messaging.outbox import MessageStatus
from ledger.records.leavers import LeaveReason, mark_left
from tests.integration.messaging.test_family_messages import reminder_of, send_all
from tests.integration.reminders_school import at, d, run_schedule


def plan_then_leave(session, term_school, *, chase: bool):
    school, term, kids = (term_school[k] for k in ("school", "term", "kids"))
    run_schedule(session, school.id, term.id, at(d(2, 2), 9))
    mark_left(kids["A1"], d(2, 2), LeaveReason.WITHDRAWN, today=d(2, 2))  # a minute after planning
    school.chase_leavers = chase
    session.commit()


def test_a_reminder_for_a_child_who_has_since_left_is_not_sent(session, factory, term_school):
    plan_then_leave(session, term_school, chase=False)
    sms = send_all(factory, at(d(2, 2), 9, 1))
    session.expire_all()
    held = reminder_of(session, term_school["families"]["never_pays"])
    assert (held.status, held.failure_reason) == (
        MessageStatus.FAILED,
        "not sent: the child has left the school",
    )
    assert "+254700000001" not in [to for to, _ in sms.sent]


def test_a_school_that_chases_leavers_still_sends_it(session, factory, term_school):
    plan_then_leave(session, term_school, chase=True)
    sms = send_all(factory, at(d(2, 2), 9, 1))
    assert "+254700000001" in [to for to, _ in sms.sent]
