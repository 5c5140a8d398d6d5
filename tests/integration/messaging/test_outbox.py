"""The outbox on PostgreSQL and SQLite: receipts written with the posting, once; reports only move forward."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.billing.invoicing import invoice_student
from ledger.books.tables import Payment, PaymentSource
from ledger.messaging.notices import receipt_text
from ledger.messaging.outbox import (
    Category,
    MessageStatus,
    OutboxMessage,
    apply_delivery_update,
    claim_due,
    enqueue,
    record_accepted,
)
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.records.tables import Language
from ledger.sms_parts import is_gsm7, sms_segments
from tests import builders as b

NOW = dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def family(session):
    school = b.school(session, slug="kilimani", paybill="522533")
    school.name = "Kilimani Junior Academy"
    term = b.term(session, school)
    grade = b.school_class(session, school, "Grade 6")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 35_000_00})
    pupil = b.student(session, grade, "KJA-001", "Achieng Otieno")
    mother = b.guardian(session, school, "+254712000001", pupil, name="Mama")
    father = b.guardian(session, school, "+254712000002", pupil, name="Baba")
    father.language = Language.SW
    invoice_student(session, pupil, term, actor="t")
    session.commit()
    return school, pupil, mother, father


def pay(session, school, pupil, reference="TKL4AAA001", amount=5_000_00):
    received = Received(PaymentSource.MPESA_PAYBILL, reference, amount, dt.date(2026, 2, 3))
    payment, _ = record_payment(session, school.id, received, pupil, actor="t", now=NOW)
    session.commit()
    return payment


def outbox(session):
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_payment_writes_a_receipt_for_each_guardian_in_their_language(session, family):
    school, pupil, mother, father = family
    pay(session, school, pupil)
    english, swahili = outbox(session)
    assert (english.phone, english.category, english.status) == (mother.phone, Category.RECEIPT, "queued")
    assert "Received KES 5,000 for Achieng Otieno (KJA-001), M-Pesa TKL4AAA001" in english.body
    assert "Balance KES 30,000" in english.body
    assert "Tumepokea KES 5,000" in swahili.body and "Salio KES 30,000" in swahili.body
    number = session.scalars(select(Payment.receipt_no)).one()
    assert f"Receipt {number}." in english.body and f"Risiti {number}." in swahili.body


def test_the_same_payment_twice_writes_its_receipts_once(session, family):
    school, pupil, *_ = family
    pay(session, school, pupil)
    pay(session, school, pupil)
    assert len(outbox(session)) == 2


def test_a_parent_who_stopped_everything_gets_no_receipt(session, family):
    school, pupil, mother, father = family
    mother.opted_out = ["all"]
    father.opted_out = ["reminders"]  # reminders off, receipts still on
    session.commit()
    pay(session, school, pupil)
    assert [m.phone for m in outbox(session)] == [father.phone]


def test_suspense_money_is_receipted_when_allocated(session, family):
    school, pupil, *_ = family
    payment = pay(session, school, None, "TKL4SUS001", 2_000_00)
    assert outbox(session) == []
    allocate_suspense(session, payment, pupil, actor="bursar", now=NOW)
    session.commit()
    assert len(outbox(session)) == 2 and "KES 2,000" in outbox(session)[0].body


def test_delivery_reports_only_move_a_message_forward(session, family):
    school, pupil, *_ = family
    message, _ = enqueue(
        session, dedupe_key="k1", phone="+254712000001", body="hi", category=Category.REPLY, now=NOW
    )
    (claimed,) = claim_due(session, now=NOW, limit=10)
    record_accepted(claimed, provider="africastalking", provider_id="ATXid_1", now=NOW)
    for status in (MessageStatus.DELIVERED, MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.QUEUED):
        reason = None if status == MessageStatus.DELIVERED else "a late, out-of-order report"
        apply_delivery_update(
            session, provider="africastalking", provider_id="ATXid_1", status=status, reason=reason, now=NOW
        )
    session.commit()
    assert (message.status, message.failure_reason) == (MessageStatus.DELIVERED, None)


def test_claimed_messages_are_not_claimed_again(session, family):
    for n in range(3):
        enqueue(
            session, dedupe_key=f"k{n}", phone="+254712000001", body="hi", category=Category.REPLY, now=NOW
        )
    first = claim_due(session, now=NOW, limit=2)
    second = claim_due(session, now=NOW, limit=10)
    assert len(first) == 2 and len(second) == 1 and {m.attempts for m in first + second} == {1}


@pytest.mark.parametrize("language", list(Language))
def test_receipts_stay_within_two_segments_even_with_long_names(session, family, language):
    school, pupil, *_ = family
    school.name = "St. Bakhita Mwangaza Girls Secondary School, Kilimani"
    pupil.name = "Wanjiru Nyambura Akinyi Chepkoech Wairimu Kamau"
    payment = pay(session, school, pupil, amount=250_000_00)
    for owed in (-12_345_678_00, 0, 9_999_999_99):
        text = receipt_text(language, school, pupil, payment, owed)
        assert is_gsm7(text) and sms_segments(text) <= 2, text
