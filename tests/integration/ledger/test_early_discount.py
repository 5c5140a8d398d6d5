"""The early-payment discount, on PostgreSQL and SQLite: a term paid in full 14 days before its due date
earns 5% off, posted in the payment's own transaction, once, to the cent."""

import datetime as dt

import pytest

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_student
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.statements import statement
from ledger.books.tables import Entry, EntryKind, PaymentSource
from ledger.payments.recording import Received, allocate_suspense, record_payment
from tests import builders as b

DUE = dt.date(2026, 1, 19)
LAST_DAY = DUE - dt.timedelta(days=14)  # 5 January: the last day that still earns the discount
TUITION, BOARDING = 2_000_010, 1_500_005  # KES 20,000.10 + 15,000.05 = 35,000.15
FEES = TUITION + BOARDING
DISCOUNT = 175_001  # 5% of 35,000.15 is 1,750.0075: half-up to the cent, 1,750.01


@pytest.fixture
def school(session):
    school = b.school(session)
    form1 = b.school_class(session, school, "Form 1")
    heads = [b.vote_head(session, school, "Tuition", 10), b.vote_head(session, school, "Boarding", 20)]
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in terms:
        b.fees(session, term, form1, dict(zip(heads, [TUITION, BOARDING], strict=True)))
    pupil = b.student(session, form1, "F1-001", "Achieng Otieno")
    invoice_student(session, pupil, terms[0], actor="bursar")
    set_rules(session, school.id, RuleChanges(early_bp=500, early_days=14))
    session.commit()
    return {"school": school, "terms": terms, "pupil": pupil}


def pay(session, school, student, reference, cents, on):
    received = Received(PaymentSource.MPESA_STK, reference, cents, on)
    payment, created = record_payment(session, school.id, received, student, actor="t", notify=False)
    session.commit()
    return payment, created


def discounts(session):
    return session.query(Entry).filter(Entry.kind == EntryKind.DISCOUNT).order_by(Entry.id).all()


def test_paying_the_whole_term_in_time_earns_the_discount_as_credit(session, school):
    pay(session, school["school"], school["pupil"], "TKE0000001", FEES, LAST_DAY)
    balance = student_balance(session, school["pupil"])
    assert (balance.total, balance.credit) == (-DISCOUNT, DISCOUNT)
    last = statement(session, school["pupil"]).lines[-1]
    assert (last.description, last.paid, last.on) == (
        "Early payment discount 5% on term fees, term 2026-1",
        DISCOUNT,
        LAST_DAY,
    )
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_paying_the_fees_less_the_discount_in_time_closes_the_term(session, school):
    pay(
        session,
        school["school"],
        school["pupil"],
        "TKE0000002",
        FEES - DISCOUNT,
        LAST_DAY - dt.timedelta(days=3),
    )
    balance = student_balance(session, school["pupil"])
    assert (balance.total, balance.credit, balance.by_vote_head) == (0, 0, ())


def test_one_cent_short_or_one_day_late_earns_nothing(session, school):
    s, pupil = school["school"], school["pupil"]
    pay(session, s, pupil, "TKE0000003", FEES - DISCOUNT - 1, LAST_DAY)
    assert discounts(session) == []
    pay(session, s, pupil, "TKE0000004", 1, LAST_DAY + dt.timedelta(days=1))
    assert discounts(session) == []
    assert student_balance(session, pupil).total == DISCOUNT


def test_two_instalments_earn_it_once_and_a_retried_payment_adds_nothing(session, school):
    s, pupil = school["school"], school["pupil"]
    pay(session, s, pupil, "TKE0000005", 1_000_000, dt.date(2026, 1, 2))
    pay(session, s, pupil, "TKE0000006", FEES - 1_000_000, LAST_DAY)
    _, created = pay(session, s, pupil, "TKE0000006", FEES - 1_000_000, LAST_DAY)
    assert not created
    assert len(discounts(session)) == 1
    pay(session, s, pupil, "TKE0000007", 50_000, LAST_DAY)  # more money: still one discount
    assert len(discounts(session)) == 1
    assert student_balance(session, pupil).total == -DISCOUNT - 50_000


def test_money_from_suspense_counts_from_the_day_it_arrived(session, school):
    s, pupil = school["school"], school["pupil"]
    received = Received(PaymentSource.MPESA_PAYBILL, "TKE0000008", FEES, dt.date(2026, 1, 3))
    payment, _ = record_payment(session, s.id, received, None, actor="t", notify=False)
    allocate_suspense(session, payment, pupil, actor="bursar", on=dt.date(2026, 1, 25), notify=False)
    session.commit()
    assert student_balance(session, pupil).total == -DISCOUNT


def test_a_discount_on_tuition_only_and_a_term_paid_ahead_from_credit(session, school):
    s, pupil = school["school"], school["pupil"]
    set_rules(session, s.id, RuleChanges(early_heads=["tuition"]))
    session.commit()
    # Both terms paid in early January: term 1 at once, term 2 when its invoice consumes the credit.
    pay(session, s, pupil, "TKE0000009", 2 * FEES, dt.date(2026, 1, 4))
    tuition_share = 100_001  # 5% of 20,000.10 = 1,000.005 -> 1,000.01
    assert student_balance(session, pupil).total == -(FEES + tuition_share)
    invoice_student(session, pupil, school["terms"][1], actor="bursar")
    session.commit()
    assert student_balance(session, pupil).total == -2 * tuition_share
    assert [e.memo for e in discounts(session)] == [
        "Early payment discount 5% on Tuition, term 2026-1",
        "Early payment discount 5% on Tuition, term 2026-2",
    ]


def test_with_the_rule_off_paying_early_earns_nothing(session, school):
    set_rules(session, school["school"].id, RuleChanges(off=["early-discount"]))
    pay(session, school["school"], school["pupil"], "TKE0000010", FEES, LAST_DAY)
    assert discounts(session) == []
    assert student_balance(session, school["pupil"]).total == 0


def test_a_withdrawn_discount_is_not_granted_again(session, school):
    from ledger.books.reversals import reverse_entry

    s, pupil = school["school"], school["pupil"]
    pay(session, s, pupil, "TKE0000011", FEES, LAST_DAY - dt.timedelta(days=1))
    (granted,) = discounts(session)
    reverse_entry(
        session, s.id, granted.id, reason="paid by cheque that bounced", on=LAST_DAY, actor="bursar"
    )
    session.commit()
    pay(session, s, pupil, "TKE0000012", 100, LAST_DAY)
    assert student_balance(session, pupil).total == -100
    assert statement(session, pupil).lines[-2].description == "Reversal: paid by cheque that bounced"
