"""STK answers and Paybill confirmations in the ledger, on PostgreSQL and SQLite: every road to the books
counts the same money once, and a failure tells the parent why."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.books.balances import total_owed
from ledger.books.tables import Entry, EntryKind, Payment, PaymentSource
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.paybill import PaybillPaid, settle_paybill
from ledger.payments.stk import (
    StkPaid,
    StkResult,
    settle_query_success,
    settle_stk_failure,
    settle_stk_success,
)
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus, mark_sent, record_request
from ledger.records.tables import Language
from tests.integration.mpesa.family import NOW, PARENT, TODAY

RECEIPT = "TKR4AB12CD"


def sent_request(session, pupil, amount=5_000_00, checkout="ws_CO_221120261000001"):
    request = record_request(
        session,
        school_id=pupil.school_id,
        student_id=pupil.id,
        phone=PARENT,
        amount=amount,
        channel="ussd",
        now=NOW,
    )
    request.status = RequestStatus.SENDING
    mark_sent(session, request.id, checkout_request_id=checkout, merchant_request_id="m-1", now=NOW)
    session.commit()
    return request


def paid(amount=5_000_00, receipt=RECEIPT, phone=PARENT):
    return StkPaid(receipt=receipt, amount=amount, phone=phone, paid_on=TODAY)


def paybill(pupil_adm="KJA-001", trans_id=RECEIPT, amount=5_000_00, msisdn="2547 ***** 001"):
    return PaybillPaid(trans_id, amount, "600100", pupil_adm, msisdn, "ACHIENG", TODAY)


def payments(session):
    return session.scalars(select(Payment).order_by(Payment.id)).all()


def receipts(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.category == Category.RECEIPT)).all()


def test_a_success_callback_posts_once_however_often_it_comes(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    outcomes = []
    for _ in range(10):
        outcomes.append(settle_stk_success(session, request.id, paid(), now=NOW))
        session.commit()
    assert outcomes == [StkResult.POSTED] + [StkResult.ALREADY] * 9
    (payment,) = payments(session)
    assert (payment.reference, payment.source, payment.amount) == (RECEIPT, PaymentSource.MPESA_STK, 5_000_00)
    assert len(receipts(session)) == 1 and total_owed(session, pupil.id) == 30_000_00
    session.refresh(request)
    assert (request.status, request.receipt, request.payment_id, request.flagged) == (
        RequestStatus.PAID,
        RECEIPT,
        payment.id,
        False,
    )


def test_a_query_success_posts_provisionally_and_the_late_callback_completes_it(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    assert settle_query_success(session, request.id, today=TODAY, now=NOW) == StkResult.POSTED
    session.commit()
    (provisional,) = payments(session)
    assert provisional.reference == "STK-WS_CO_221120261000001"
    assert settle_query_success(session, request.id, today=TODAY, now=NOW) == StkResult.ALREADY
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.COMPLETED
    session.commit()
    (payment,) = payments(session)
    assert payment.id == provisional.id and payment.reference == RECEIPT
    assert session.scalar(select(func.count(Entry.id)).where(Entry.kind == EntryKind.PAYMENT)) == 1
    assert len(receipts(session)) == 1 and total_owed(session, pupil.id) == 30_000_00


def test_a_paybill_confirmation_gives_a_provisional_payment_its_receipt(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_query_success(session, request.id, today=TODAY, now=NOW)
    settled = settle_paybill(session, paybill("kja 001"), now=NOW)
    session.commit()
    assert settled.outcome == StkResult.COMPLETED
    (payment,) = payments(session)
    assert payment.reference == RECEIPT and payment.source == PaymentSource.MPESA_STK
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.ALREADY
    assert total_owed(session, pupil.id) == 30_000_00


def test_a_receipt_seen_by_paybill_first_is_not_posted_again_by_the_callback(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    assert settle_paybill(session, paybill(), now=NOW).outcome == StkResult.POSTED
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.COMPLETED
    session.commit()
    (payment,) = payments(session)
    assert payment.source == PaymentSource.MPESA_PAYBILL and total_owed(session, pupil.id) == 30_000_00
    session.refresh(request)
    assert (request.status, request.payment_id) == (RequestStatus.PAID, payment.id)


def test_a_query_success_after_the_paybill_confirmation_claims_it_for_the_bursar_to_confirm(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_paybill(session, paybill(), now=NOW)
    assert settle_query_success(session, request.id, today=TODAY, now=NOW) == StkResult.COMPLETED
    session.commit()
    assert len(payments(session)) == 1 and total_owed(session, pupil.id) == 30_000_00
    session.refresh(request)
    assert request.flagged and "matched to Paybill payment" in request.flag_reason


def test_a_provisional_payment_whose_receipt_was_posted_apart_is_reversed(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_query_success(session, request.id, today=TODAY, now=NOW)
    # The same receipt posted on its own (to suspense: the payer typed a wrong account number).
    settle_paybill(session, paybill("nobody"), now=NOW)
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.COMPLETED
    session.commit()
    # The provisional posting was undone; the receipt's own payment left suspense for the child.
    assert total_owed(session, pupil.id) == 30_000_00
    session.refresh(request)
    assert request.flagged and "reversed" in request.flag_reason
    receipt_payment = session.get(Payment, request.payment_id)
    assert (receipt_payment.reference, receipt_payment.student_id) == (RECEIPT, pupil.id)


def test_a_receipt_in_suspense_is_allocated_to_the_child_the_callback_names(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_paybill(session, paybill("a typo"), now=NOW)
    assert total_owed(session, pupil.id) == 35_000_00
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.COMPLETED
    session.commit()
    (payment,) = payments(session)
    assert payment.student_id == pupil.id and total_owed(session, pupil.id) == 30_000_00
    assert len(receipts(session)) == 1


def test_a_failure_is_told_once_in_the_parents_language_and_a_late_one_changes_nothing(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    assert (
        settle_stk_failure(session, request.id, "1032", "Request cancelled by user", now=NOW)
        == StkResult.FAILED
    )
    assert (
        settle_stk_failure(session, request.id, "1032", "Request cancelled by user", now=NOW)
        == StkResult.ALREADY
    )
    session.commit()
    (notice,) = session.scalars(select(OutboxMessage)).all()
    assert notice.category == Category.PAYMENT_FAILED and notice.phone == PARENT
    assert "You cancelled the prompt" in notice.body and "Paybill 600100 account KJA-001" in notice.body
    session.refresh(request)
    assert (request.status, request.result_code) == (RequestStatus.FAILED, "1032")


def test_a_late_success_after_a_failure_still_posts_and_is_flagged(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_stk_failure(session, request.id, "1037", "DS timeout", now=NOW)
    assert settle_stk_success(session, request.id, paid(), now=NOW) == StkResult.POSTED
    session.commit()
    session.refresh(request)
    assert request.status == RequestStatus.PAID and request.flagged
    assert settle_stk_failure(session, request.id, "1032", "late", now=NOW) == StkResult.ALREADY


def test_an_amount_or_phone_other_than_asked_is_posted_as_paid_and_flagged(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_stk_success(session, request.id, paid(amount=4_000_00, phone="+254722000002"), now=NOW)
    session.commit()
    (payment,) = payments(session)
    assert payment.amount == 4_000_00 and total_owed(session, pupil.id) == 31_000_00
    session.refresh(request)
    assert request.flagged
    assert "paid KES 4,000.00, asked KES 5,000.00" in request.flag_reason
    assert "+254722000002" in request.flag_reason


def test_a_language_choice_carries_into_the_failure_notice(session, family):
    school, pupil = family
    guardian = pupil.guardian_links[0].guardian
    guardian.language = Language.SW
    request = sent_request(session, pupil)
    settle_stk_failure(session, request.id, "2001", "wrong PIN", now=NOW)
    session.commit()
    (notice,) = session.scalars(select(OutboxMessage)).all()
    assert "PIN ya M-Pesa haikuwa sahihi" in notice.body


@pytest.mark.parametrize("code", ["1", "1032", "1037", "2001", "1001", "SFC_IC0003"])
def test_each_failure_code_marks_the_request_failed(session, family, code):
    school, pupil = family
    request = sent_request(session, pupil)
    settle_stk_failure(session, request.id, code, "desc", now=NOW)
    session.commit()
    session.refresh(request)
    assert request.status == RequestStatus.FAILED
    assert request.flagged == (code == "SFC_IC0003")  # our configuration, not the parent
    assert payments(session) == []


def test_requests_are_counted_pending_only_while_open(session, family):
    school, pupil = family
    request = sent_request(session, pupil)
    from ledger.payments.stk_requests import pending_request

    assert pending_request(session, PARENT, NOW + dt.timedelta(minutes=1)) is not None
    settle_stk_failure(session, request.id, "1032", "cancelled", now=NOW)
    assert pending_request(session, PARENT, NOW + dt.timedelta(minutes=1)) is None
    assert session.scalar(select(func.count(PaymentRequestRecord.id))) == 1
