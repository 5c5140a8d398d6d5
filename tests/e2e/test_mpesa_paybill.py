"""Paying by Paybill, end to end: the Daraja simulator validates and confirms against Karo over HTTP; the
account number finds the child however it was typed; a receipt seen by STK and Paybill counts once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, update

from ledger.books.tables import PaymentSource
from ledger.imports import import_csv
from ledger.messaging.outbox import Category
from ledger.payments.stk_requests import RequestStatus
from ledger.records.tables import School, Student
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    failures,
    http,
    karo,
    karo_server,
    messages,
    mpesa_redis,
    pay_by_ussd,
    payments,
    requests,
    services,
    stk_callback,
    wait_for,
)

MSISDN = PARENT.lstrip("+")


def pay(daraja, bill_ref, amount=2500, **extra):  # noqa: F811
    return daraja.control(
        "POST", "c2b/pay", shortcode="600100", amount=amount, bill_ref=bill_ref, phone=MSISDN, **extra
    )


def confirmation(trans_id, bill_ref="KJA001", amount="5000.00", shortcode="600100"):
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": "20261122102115",
        "TransAmount": amount,
        "BusinessShortCode": shortcode,
        "BillRefNumber": bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": "2547 ***** 001",
        "FirstName": "MAMA",
        "MiddleName": "",
        "LastName": "",
    }


def test_a_messy_account_number_reaches_the_child_with_a_receipt(http, daraja, schools):  # noqa: F811
    made = pay(daraja, " kja-001 ")
    assert made["status"] == "completed" and made["validation"]["result_code"] == "0"
    assert made["confirmations"] == [200]
    (payment,) = payments(schools)
    assert (payment.reference, payment.source, payment.amount) == (
        made["trans_id"],
        PaymentSource.MPESA_PAYBILL,
        2_500_00,
    )
    assert payment.account_text == "kja-001" and payment.student_id is not None
    (receipt,) = messages(schools, Category.RECEIPT)
    assert receipt.phone == PARENT and "KES 2,500" in receipt.body


def test_a_slashed_admission_number_typed_plain_reaches_the_child_not_suspense(http, daraja, schools):  # noqa: F811
    with schools() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        csv = (
            "admission_no,name,class,guardian_name,guardian_phone\n"
            "KJA/2024/001,Wanjiru Ng'ang'a,Grade 6,Mama,0722000111\n"
        )
        import_csv(session, school, "students", csv, actor="test", today=dt.date.today())
        session.commit()
        stored = session.scalars(select(Student).where(Student.admission_no == "KJA/2024/001")).one().id
    made = pay(daraja, "kja2024001")
    assert made["validation"]["result_code"] == "0" and made["confirmations"] == [200]
    (payment,) = payments(schools)
    assert payment.student_id == stored and payment.account_text == "kja2024001"


def test_an_unknown_account_is_refused_when_the_school_says_so(http, daraja, schools):  # noqa: F811
    with schools.begin() as session:
        session.execute(update(School).values(accept_unknown_accounts=False))
    made = pay(daraja, "NOBODY-1")
    assert made["status"] == "rejected" and made["validation"]["result_code"] == "C2B00012"
    assert payments(schools) == []


def test_an_unknown_account_waits_in_suspense_and_a_masked_payer_gets_no_text(http, daraja, schools):  # noqa: F811
    made = pay(daraja, "NOBODY-1")
    assert made["status"] == "completed" and made["validation"]["result_code"] == "0"
    (payment,) = payments(schools)
    assert payment.student_id is None and payment.payer.startswith("2547 ***** 001")
    assert messages(schools) == []  # no number to text: the bursar sees it in suspense


def test_a_hashed_payer_who_is_a_guardian_is_told_the_money_awaits_allocation(http, daraja, schools):  # noqa: F811
    daraja.control("POST", "config", msisdn="hashed")
    made = pay(daraja, "NOBODY-1")
    (notice,) = messages(schools, Category.SUSPENSE_NOTICE)
    assert notice.phone == PARENT and made["trans_id"] in notice.body and "'NOBODY-1'" in notice.body


def test_a_duplicated_confirmation_posts_once(http, daraja, schools):  # noqa: F811
    made = pay(daraja, "KJA001", copies=5)
    assert made["confirmations"] == [200] * 5
    assert len(payments(schools)) == 1 and len(messages(schools, Category.RECEIPT)) == 1


def test_the_paybill_confirmation_completes_a_provisional_stk_payment(http, daraja, schools):  # noqa: F811
    pay_by_ussd(http, PARENT)
    (prompt,) = wait_for(lambda: daraja.prompts(status="pending"))
    resolved = daraja.resolve(prompt["checkout_request_id"], result_code=0, callback="drop")
    wait_for(lambda: [r for r in requests(schools) if r.status == RequestStatus.PAID])
    (provisional,) = payments(schools)
    assert provisional.reference.startswith("STK-")
    made = pay(daraja, "KJA001", amount=5000, trans_id=resolved["receipt"])
    assert made["confirmations"] == [200]
    (payment,) = payments(schools)
    assert payment.id == provisional.id and payment.reference == resolved["receipt"]
    assert requests(schools)[0].receipt == resolved["receipt"]
    assert len(messages(schools, Category.RECEIPT)) == 1


@pytest.mark.parametrize("bill_ref", ["KJA001", "A TYPO"])  # the child's account, or suspense
def test_an_stk_callback_and_a_paybill_confirmation_of_one_receipt_at_once_post_once(
    http,  # noqa: F811
    daraja,  # noqa: F811
    schools,
    bill_ref,
):
    for round_ in range(3):
        pay_by_ussd(http, PARENT)
        (prompt,) = wait_for(lambda: daraja.prompts(status="pending"))
        checkout, receipt = prompt["checkout_request_id"], f"TKRACE000{round_}"
        wait_for(lambda: [r for r in requests(schools) if r.status == RequestStatus.SENT])
        bodies = [
            (f"/daraja/stk/{TOKEN}", stk_callback(checkout, 0, receipt, 5000.0, int(MSISDN))),
            (f"/daraja/c2b/confirm/{TOKEN}", confirmation(receipt, bill_ref)),
        ]
        start, answers = threading.Barrier(len(bodies) * 3), []

        def post(path, body, start=start, answers=answers):
            start.wait()
            answers.append(http.post(path, json=body).status_code)

        threads = [threading.Thread(target=post, args=pair) for pair in bodies * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [200] * 6
        assert [p.reference for p in payments(schools)].count(receipt) == 1
        assert len(payments(schools)) == round_ + 1 and payments(schools)[-1].student_id is not None
        daraja.resolve(checkout, result_code=0, callback="drop")  # the phone is free for the next round
    assert len(messages(schools, Category.RECEIPT)) == 3
    assert all(r.status == RequestStatus.PAID for r in requests(schools))


def test_a_confirmation_for_a_shortcode_no_school_owns_is_kept(http, schools):  # noqa: F811
    response = http.post(f"/daraja/c2b/confirm/{TOKEN}", json=confirmation("TKNOSC0001", shortcode="999999"))
    assert response.status_code == 200
    (kept,) = failures(schools)
    assert kept.route == "c2b-confirm" and "999999" in kept.reason and "TKNOSC0001" in kept.payload
    assert payments(schools) == []


def test_a_malformed_paybill_body_is_refused_and_kept(http, schools):  # noqa: F811
    body = confirmation("TKBAD00001", amount="five thousand")
    for route in ("validate", "confirm"):
        assert http.post(f"/daraja/c2b/{route}/{TOKEN}", json=body).status_code == 400
    assert [f.route for f in failures(schools)] == ["c2b-validate", "c2b-confirm"]
    assert payments(schools) == []


def test_two_schools_on_their_own_shortcodes_each_get_their_money(http, daraja, schools):  # noqa: F811
    made = daraja.control("POST", "c2b/pay", shortcode="600200", amount=100, bill_ref="ms 100", phone=MSISDN)
    (payment,) = payments(schools)
    with schools() as session:
        school = session.scalars(select(School).where(School.id == payment.school_id)).one()
    assert school.slug == "mwangaza" and payment.reference == made["trans_id"]
