"""The early-payment discount on the M-Pesa roads (Paybill confirmation, STK callback), on PostgreSQL and
SQLite: granted in the payment's own transaction, so the parent's receipt shows the balance after it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_student
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, EntryKind
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.paybill import PaybillPaid, settle_paybill
from ledger.payments.stk import StkPaid, settle_stk_success
from tests import builders as b
from tests.integration.mpesa.family import NOW, PARENT, TODAY
from tests.integration.mpesa.test_settlement import sent_request

FEES, DISCOUNT = 35_000_00, 1_750_00  # 5% off a term paid in full 14 days before it falls due


@pytest.fixture
def early_family(session):
    """A child invoiced for 2027-1 (due 19 January 2027, long after TODAY), with the rule on."""
    school = b.school(session, slug="kilimani", paybill="600100")
    term = b.term(session, school, "2027-1")
    grade = b.school_class(session, school, "Grade 6")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): FEES})
    pupil = b.student(session, grade, "KJA-001", "Achieng Otieno")
    b.guardian(session, school, PARENT, pupil, name="Mama Otieno")
    invoice_student(session, pupil, term, actor="test")
    set_rules(session, school.id, RuleChanges(early_bp=500, early_days=14))
    session.commit()
    return school, pupil


def receipts(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.RECEIPT)).all()


def discounts(session):
    return session.scalars(select(Entry).where(Entry.kind == EntryKind.DISCOUNT)).all()


def test_a_paybill_payment_of_the_fees_less_the_discount_clears_the_term(session, early_family):
    _, pupil = early_family
    confirmation = PaybillPaid("TKD0000001", FEES - DISCOUNT, "600100", "KJA-001", "2547***001", "A", TODAY)
    for _ in range(2):  # Safaricom repeats confirmations: the discount is still granted once
        settle_paybill(session, confirmation, now=NOW)
        session.commit()
    assert total_owed(session, pupil.id) == 0
    assert len(discounts(session)) == 1
    (receipt,) = receipts(session)
    assert "Received KES 33,250 " in receipt.body and "Fees fully paid" in receipt.body


def test_an_stk_payment_of_the_whole_term_earns_the_discount_as_credit(session, early_family):
    _, pupil = early_family
    request = sent_request(session, pupil, amount=FEES)
    settle_stk_success(session, request.id, StkPaid("TKD0000002", FEES, PARENT, TODAY), now=NOW)
    session.commit()
    assert total_owed(session, pupil.id) == -DISCOUNT
    (receipt,) = receipts(session)
    assert "Received KES 35,000 " in receipt.body and "Credit KES 1,750." in receipt.body
