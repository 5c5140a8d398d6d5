"""A term's totals count late fees as charged and discounts as credited, in whole cents (PG and SQLite)."""

from __future__ import annotations

import datetime as dt

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.billing.late_fees import apply_late_fees
from ledger.books.reports import term_totals
from ledger.books.tables import PaymentSource
from ledger.payments.recording import Received, record_payment
from tests import builders as b

KES = 100


def test_late_fees_are_charged_and_sibling_discounts_credited_in_the_terms_totals(session):
    school = b.school(session, slug="totals")
    grade = b.school_class(session, school, "Grade 2")
    term = b.term(session, school, "2026-1")  # due 19 Jan
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 10_000 * KES})
    set_rules(session, school.id, RuleChanges(late_fee_cents=700 * KES, grace_days=0, sibling_bp=1000))
    first, second = b.student(session, grade, "T1"), b.student(session, grade, "T2")
    b.guardian(session, school, "+254700000101", first, second)
    invoice_class(session, grade, term, actor="t", notify=False)
    received = Received(PaymentSource.CASH, "R1", 4_000 * KES, dt.date(2026, 1, 10))
    record_payment(session, school.id, received, first, actor="t", notify=False)
    apply_late_fees(session, school.id, dt.date(2026, 1, 25), actor="t")
    totals = term_totals(session, school.id, term)
    assert (totals.invoiced, totals.collected, totals.credited) == (21_400 * KES, 4_000 * KES, 1_000 * KES)
    assert totals.outstanding == 16_400 * KES and type(totals.outstanding) is int
