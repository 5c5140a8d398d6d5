"""Bookkeeping scenarios a bursar would recognise, on PostgreSQL and SQLite."""

import datetime as dt

import pytest

from ledger.billing.credits import grant_credit
from ledger.billing.invoicing import invoice_class, invoice_student
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reports import arrears, term_totals
from ledger.books.reversals import reverse_entry
from ledger.books.statements import recent_receipts, statement
from ledger.books.tables import EntryKind, PaymentSource
from ledger.errors import IdempotencyConflict, InvalidAmount, LedgerError
from ledger.payments.recording import Received, allocate_suspense, record_payment
from tests import builders as b

KES = 100  # cents


@pytest.fixture
def school(session):
    """Form 1 with tuition 20,000, boarding 12,000 and activity 3,000 a term (in that payment order)."""
    school = b.school(session, slug="kilimani")
    form1 = b.school_class(session, school, "Form 1")
    heads = [
        b.vote_head(session, school, "Tuition", 10),
        b.vote_head(session, school, "Boarding", 20),
        b.vote_head(session, school, "Activity", 30),
    ]
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in terms:
        b.fees(session, term, form1, dict(zip(heads, [20_000 * KES, 12_000 * KES, 3_000 * KES], strict=True)))
    pupil = b.student(session, form1, "KJA-001", "Achieng Otieno")
    session.commit()
    return {"school": school, "form1": form1, "heads": heads, "terms": terms, "pupil": pupil}


def pay(session, school, student, ref, kes, on=dt.date(2026, 1, 20), source=PaymentSource.MPESA_PAYBILL):
    payment, created = record_payment(
        session, school.id, Received(source, ref, kes * KES, on), student, actor="t"
    )
    session.commit()
    return payment, created


def owed_by_head(session, student):
    return {h.vote_head: h.balance // KES for h in student_balance(session, student).by_vote_head}


def assert_books_whole(session):
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []


def test_family_pays_half_of_term_one_then_overpays_in_term_two(session, school):
    s, pupil = school["school"], school["pupil"]
    term1, term2 = school["terms"]
    invoice_student(session, pupil, term1, actor="bursar")
    pay(session, s, pupil, "TKL4AAA001", 17_500)
    # Half of 35,000: it all goes to tuition, which comes first.
    assert owed_by_head(session, pupil) == {"Tuition": 2_500, "Boarding": 12_000, "Activity": 3_000}
    invoice_student(session, pupil, term2, actor="bursar")
    session.commit()
    assert student_balance(session, pupil).total == 52_500 * KES
    pay(session, s, pupil, "TKL4AAA002", 60_000, on=dt.date(2026, 5, 10))
    balance = student_balance(session, pupil)
    assert balance.total == -7_500 * KES
    assert balance.credit == 7_500 * KES
    assert balance.by_vote_head == ()
    # Term 3's invoice consumes the credit first.
    term3 = b.term(session, s, "2026-3")
    b.fees(session, term3, school["form1"], {school["heads"][0]: 20_000 * KES})
    invoice_student(session, pupil, term3, actor="bursar")
    session.commit()
    assert student_balance(session, pupil).total == 12_500 * KES
    assert owed_by_head(session, pupil) == {"Tuition": 12_500}
    assert_books_whole(session)


def test_oldest_term_is_paid_first(session, school):
    s, pupil = school["school"], school["pupil"]
    for term in school["terms"]:
        invoice_student(session, pupil, term, actor="bursar")
    pay(session, s, pupil, "CASH-1", 40_000, source=PaymentSource.CASH)
    totals = [term_totals(session, s.id, term) for term in school["terms"]]
    assert [(t.collected, t.outstanding) for t in totals] == [(35_000 * KES, 0), (5_000 * KES, 30_000 * KES)]
    assert totals[0].collection_rate == 100.0


def test_bursary_covers_tuition_only(session, school):
    s, pupil = school["school"], school["pupil"]
    term1 = school["terms"][0]
    tuition = school["heads"][0]
    invoice_student(session, pupil, term1, actor="bursar")
    grant_credit(
        session,
        pupil,
        20_000 * KES,
        key="bursary:cdf:1",
        memo="CDF bursary",
        on=term1.starts_on,
        actor="bursar",
        vote_head_ids=[tuition.id],
    )
    session.commit()
    assert owed_by_head(session, pupil) == {"Boarding": 12_000, "Activity": 3_000}
    with pytest.raises(InvalidAmount):
        grant_credit(
            session,
            pupil,
            1 * KES,
            key="bursary:cdf:2",
            memo="more",
            on=term1.starts_on,
            actor="bursar",
            vote_head_ids=[tuition.id],
        )
    assert term_totals(session, s.id, term1).credited == 20_000 * KES
    assert_books_whole(session)


def test_wrong_cash_entry_is_reversed_and_shows_on_the_statement(session, school):
    s, pupil = school["school"], school["pupil"]
    invoice_student(session, pupil, school["terms"][0], actor="bursar")
    payment, _ = pay(session, s, pupil, "RCT-0042", 5_000, source=PaymentSource.CASH)
    reverse_entry(
        session, s.id, payment.entry_id, reason="typed 5,000 for 500", on=dt.date(2026, 1, 21), actor="bursar"
    )
    pay(session, s, pupil, "RCT-0043", 500, source=PaymentSource.CASH)
    assert student_balance(session, pupil).total == 34_500 * KES
    lines = statement(session, pupil).lines
    assert [line.kind for line in lines] == ["invoice", "payment", "reversal", "payment"]
    assert [line.balance // KES for line in lines] == [35_000, 30_000, 35_000, 34_500]
    assert [r.reversed for r in recent_receipts(session, pupil)] == [False, True]
    _, created = reverse_entry(
        session, s.id, payment.entry_id, reason="a second click", on=dt.date(2026, 1, 22), actor="other"
    )
    assert not created and student_balance(session, pupil).total == 34_500 * KES
    assert_books_whole(session)


def test_reversing_a_paid_invoice_leaves_the_money_as_credit(session, school):
    s, pupil = school["school"], school["pupil"]
    invoice, _ = invoice_student(session, pupil, school["terms"][0], actor="bursar")
    pay(session, s, pupil, "TKL4AAA009", 10_000)
    reverse_entry(
        session, s.id, invoice.id, reason="invoiced the wrong class", on=dt.date(2026, 1, 25), actor="bursar"
    )
    session.commit()
    balance = student_balance(session, pupil)
    assert (balance.total, balance.credit, balance.by_vote_head) == (-10_000 * KES, 10_000 * KES, ())
    assert_books_whole(session)


def test_invoicing_a_class_twice_changes_nothing_and_late_joiner_is_invoiced_alone(session, school):
    s, form1, term1 = school["school"], school["form1"], school["terms"][0]
    first = invoice_class(session, form1, term1, actor="bursar")
    second = invoice_class(session, form1, term1, actor="bursar")
    late = b.student(session, form1, "KJA-099", "Kiprono Kibet")
    entry, created = invoice_student(session, late, term1, actor="bursar")
    session.commit()
    assert (first.invoiced, second.invoiced, second.already, created) == (1, 0, 1, True)
    assert entry is not None and student_balance(session, late).total == 35_000 * KES
    assert term_totals(session, s.id, term1).invoiced == 70_000 * KES


def test_same_receipt_twice_posts_once_and_other_amount_is_refused(session, school):
    s, pupil = school["school"], school["pupil"]
    invoice_student(session, pupil, school["terms"][0], actor="bursar")
    first, created = pay(session, s, pupil, "tkl4aaa777", 1_000)
    again, created_again = pay(session, s, pupil, "TKL4AAA777", 1_000)
    assert (created, created_again, again.id) == (True, False, first.id)
    with pytest.raises(IdempotencyConflict):
        pay(session, s, pupil, "TKL4AAA777", 2_000)
    session.rollback()
    assert student_balance(session, pupil).total == 34_000 * KES


def test_unmatched_paybill_money_waits_in_suspense_then_reaches_the_child(session, school):
    s, pupil = school["school"], school["pupil"]
    invoice_student(session, pupil, school["terms"][0], actor="bursar")
    payment, _ = pay(session, s, None, "TKL4SUS001", 3_000)
    assert student_balance(session, pupil).total == 35_000 * KES
    allocate_suspense(session, payment, pupil, actor="bursar")
    allocate_suspense(session, payment, pupil, actor="bursar")  # a double click
    session.commit()
    assert student_balance(session, pupil).total == 32_000 * KES
    assert statement(session, pupil).lines[-1].kind == EntryKind.SUSPENSE_ALLOCATION.value
    assert_books_whole(session)


def test_arrears_are_aged_from_each_terms_due_date(session, school):
    s, pupil = school["school"], school["pupil"]
    term1, term2 = school["terms"]
    for term in (term1, term2):
        invoice_student(session, pupil, term, actor="bursar")
    session.commit()
    as_of = term1.due_on + dt.timedelta(days=45)
    (row,) = arrears(session, s.id, as_of=as_of)
    days_into_term2 = (as_of - term2.due_on).days
    assert row.total == 70_000 * KES
    assert row.buckets[1] == 35_000 * KES  # term 1: 45 days past due
    assert (row.not_yet_due if days_into_term2 < 0 else row.buckets[0]) == 35_000 * KES


def test_a_reversed_suspense_payment_cannot_be_allocated_and_a_retried_reversal_is_harmless(session, school):
    s, pupil = school["school"], school["pupil"]
    payment, _ = pay(session, s, None, "TKL4SUS002", 1_000)
    reversal, _ = reverse_entry(
        session, s.id, payment.entry_id, reason="bank error", on=dt.date(2026, 1, 21), actor="bursar"
    )
    session.commit()
    with pytest.raises(LedgerError, match="was reversed"):
        allocate_suspense(session, payment, pupil, actor="bursar")
    session.rollback()
    again, created = reverse_entry(
        session, s.id, payment.entry_id, reason="retry", on=dt.date(2026, 1, 22), actor="bursar"
    )
    assert (again.id, created) == (reversal.id, False)
    assert_books_whole(session)
