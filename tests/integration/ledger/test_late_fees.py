"""Late fees as a bursar sees them, on PostgreSQL and SQLite: once per term, after the grace period."""

import datetime as dt

import pytest

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.billing.late_fees import apply_late_fees
from ledger.billing.payment_plans import create_plan
from ledger.billing.promises import promise_to_pay
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.statements import statement
from ledger.books.tables import Entry, EntryKind, PaymentSource
from ledger.payments.recording import Received, record_payment
from tests import builders as b

DUE = dt.date(2026, 1, 19)  # builders.term: 2026-1 runs 5 January to 5 April, fees due on the 19th
GRACE_OVER = DUE + dt.timedelta(days=8)  # the first day after a 7-day grace period


@pytest.fixture
def school(session):
    """Grade 4: tuition KES 20,000.10 a term; three pupils, one paid up, one who left owing."""
    school = b.school(session)
    grade4 = b.school_class(session, school, "Grade 4")
    tuition = b.vote_head(session, school, "Tuition", 10)
    term = b.term(session, school, "2026-1")
    b.fees(session, term, grade4, {tuition: 2_000_010})
    owing, paid_up, left = (b.student(session, grade4, f"LF-{n}") for n in (1, 2, 3))
    invoice_class(session, grade4, term, actor="t")
    left.active = False
    pay(session, school, paid_up, "PAIDUP0001", 2_000_010)
    session.commit()
    return {"school": school, "term": term, "owing": owing, "paid_up": paid_up, "left": left}


def pay(session, school, student, reference, cents, on=dt.date(2026, 1, 10)):
    received = Received(PaymentSource.MPESA_PAYBILL, reference, cents, on)
    record_payment(session, school.id, received, student, actor="t", notify=False)
    session.commit()


def rules(session, school, **changes):
    set_rules(session, school.id, RuleChanges(**changes))
    session.commit()


def late_fees(session, school, on):
    run = apply_late_fees(session, school.id, on, actor="schedule")
    session.commit()
    return run


def late_fee_entries(session):
    return session.query(Entry).filter(Entry.kind == EntryKind.LATE_FEE).order_by(Entry.id).all()


def test_with_the_rules_off_nobody_is_charged(session, school):
    assert late_fees(session, school["school"], GRACE_OVER).charged == 0
    assert late_fee_entries(session) == []


def test_a_fixed_late_fee_is_charged_once_after_the_grace_period(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    assert late_fees(session, s, DUE + dt.timedelta(days=7)).charged == 0  # the last day of grace
    run = late_fees(session, s, GRACE_OVER)
    assert (run.charged, run.total, run.terms) == (1, 500_00, ("2026-1",))
    # The student still owing pays KES 500 more; the paid-up one and the one who left are not charged.
    assert student_balance(session, owing).total == 2_000_010 + 500_00
    assert student_balance(session, school["paid_up"]).total == 0
    assert student_balance(session, school["left"]).total == 2_000_010
    assert dict((h.vote_head, h.balance) for h in student_balance(session, owing).by_vote_head) == {
        "Tuition": 2_000_010,
        "Late fee": 500_00,
    }
    last = statement(session, owing).lines[-1]
    assert (last.description, last.charged, last.on) == ("Late fee, term 2026-1", 500_00, GRACE_OVER)


def test_running_the_schedule_again_the_same_day_or_later_posts_nothing_twice(session, school):
    s = school["school"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    late_fees(session, s, GRACE_OVER)
    again = [late_fees(session, s, GRACE_OVER), late_fees(session, s, GRACE_OVER + dt.timedelta(days=30))]
    assert [run.charged for run in again] == [0, 0]
    assert len(late_fee_entries(session)) == 1
    assert student_balance(session, school["owing"]).total == 2_000_010 + 500_00


def test_a_percentage_late_fee_is_worked_out_on_what_is_overdue_then_rounded_half_up(session, school):
    s, owing = school["school"], school["owing"]
    # Paying KES 7,655.00 of 20,000.10 leaves 12,345.10 overdue; 5% of it is 617.255, charged as 617.26.
    pay(session, s, owing, "PART000001", 765_500)
    rules(session, s, late_fee_bp=500, grace_days=7)
    assert late_fees(session, s, GRACE_OVER).total == 61_726
    last = statement(session, owing).lines[-1]
    assert (last.description, last.charged) == ("Late fee 5% of KES 12,345.10 overdue", 61_726)
    assert student_balance(session, owing).total == 1_234_510 + 61_726


def test_a_waived_late_fee_is_not_charged_again(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    late_fees(session, s, GRACE_OVER)
    (charged,) = late_fee_entries(session)
    reverse_entry(session, s.id, charged.id, reason="waived by the principal", on=GRACE_OVER, actor="bursar")
    session.commit()
    assert late_fees(session, s, GRACE_OVER + dt.timedelta(days=1)).charged == 0
    assert student_balance(session, owing).total == 2_000_010
    assert [line.description for line in statement(session, owing).lines[-2:]] == [
        "Late fee, term 2026-1",
        "Reversal: waived by the principal",
    ]


def test_no_late_fee_once_the_term_has_ended_or_when_paid_before_the_run(session, school):
    s, term = school["school"], school["term"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    assert late_fees(session, s, term.ends_on + dt.timedelta(days=1)).charged == 0
    pay(session, s, school["owing"], "LATEPAY001", 2_000_010, on=GRACE_OVER)
    assert late_fees(session, s, GRACE_OVER).charged == 0
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_a_late_fee_goes_to_a_vote_head_the_school_names(session, school):
    s = school["school"]
    rules(session, s, late_fee_cents=250_00, grace_days=0, late_fee_vote_head="Penalties")
    late_fees(session, s, DUE + dt.timedelta(days=1))
    heads = {h.vote_head for h in student_balance(session, school["owing"]).by_vote_head}
    assert heads == {"Tuition", "Penalties"}


def agree_plan(session, school, instalments, today=dt.date(2026, 1, 20)):
    create_plan(session, school["owing"], school["term"], instalments, actor="bursar", today=today,
                now=dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC))  # fmt: skip
    session.commit()


def charged_on(session):
    return [(entry.student_id, entry.effective_on) for entry in late_fee_entries(session)]


def test_a_family_keeping_its_plan_pays_no_late_fee_until_an_instalment_is_missed(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    agree_plan(session, school, [(dt.date(2026, 2, 2), 1_000_000), (dt.date(2026, 3, 2), 1_000_010)])
    pay(session, s, owing, "PLAN000001", 1_000_000, on=dt.date(2026, 2, 1))  # the first, on time
    for day in (GRACE_OVER, dt.date(2026, 2, 2), dt.date(2026, 2, 3), dt.date(2026, 3, 2)):
        assert late_fees(session, s, day).charged == 0, day
    # The second instalment's day passes unpaid: the plan is missed, and the late fee is due from then.
    assert late_fees(session, s, dt.date(2026, 3, 3)).charged == 1
    assert late_fees(session, s, dt.date(2026, 3, 4)).charged == 0
    assert charged_on(session) == [(owing.id, dt.date(2026, 3, 3))]
    assert student_balance(session, owing).total == 1_000_010 + 500_00


def test_a_missed_first_instalment_brings_the_late_fee_the_next_run(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    agree_plan(session, school, [(dt.date(2026, 2, 2), 1_000_000), (dt.date(2026, 3, 2), 1_000_010)])
    assert late_fees(session, s, dt.date(2026, 2, 2)).charged == 0
    assert late_fees(session, s, dt.date(2026, 2, 5)).charged == 1  # the first run after the miss
    assert charged_on(session) == [(owing.id, dt.date(2026, 2, 5))]


def promise(session, school, on, today=dt.date(2026, 1, 25)):
    parent = b.guardian(session, school["school"], "+254700000777", school["owing"])
    promise_to_pay(session, school_id=school["school"].id, student_id=school["owing"].id,
                   guardian_id=parent.id, on=on, today=today, term_ends_on=school["term"].ends_on,
                   now=dt.datetime(2026, 1, 25, 9, tzinfo=dt.UTC))  # fmt: skip
    session.commit()


def test_a_standing_promise_holds_the_late_fee_and_a_broken_one_brings_it(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    promise(session, school, dt.date(2026, 2, 6))
    for day in (GRACE_OVER, dt.date(2026, 2, 6)):  # up to and on the promised day: it stands
        assert late_fees(session, s, day).charged == 0, day
    assert late_fees(session, s, dt.date(2026, 2, 7)).charged == 1  # the day after, still unpaid
    assert late_fees(session, s, dt.date(2026, 2, 8)).charged == 0
    assert charged_on(session) == [(owing.id, dt.date(2026, 2, 7))]


def test_a_promise_kept_means_no_late_fee_at_all(session, school):
    s, owing = school["school"], school["owing"]
    rules(session, s, late_fee_cents=500_00, grace_days=7)
    promise(session, school, dt.date(2026, 2, 6))
    pay(session, s, owing, "KEPT000001", 2_000_010, on=dt.date(2026, 2, 5))
    assert late_fees(session, s, dt.date(2026, 2, 7)).charged == 0
    assert late_fee_entries(session) == []
