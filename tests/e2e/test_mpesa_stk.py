"""Paying by STK push, end to end: a parent confirms on USSD or by SMS, Karo pushes through the Daraja
simulator, the simulator calls back over HTTP, and the money lands on the child once, with one receipt."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot.mpesa.compose import daraja_gateway
from ledger.books.balances import total_owed
from ledger.books.tables import PaymentSource
from ledger.messaging.outbox import Category
from ledger.payments.stk_requests import RequestStatus
from ledger.records.tables import School, SchoolClass, Student
from tests import builders as b
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    KILIMANI,
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


def open_prompt(daraja):  # noqa: F811
    (prompt,) = wait_for(lambda: daraja.prompts(status="pending"))
    return prompt


def request_status(schools, status):
    return wait_for(lambda: [r for r in requests(schools) if r.status == status])


def owed(schools, admission_no="KJA-001"):
    with schools() as session:
        pupil = session.scalars(select(Student).where(Student.admission_no == admission_no)).one()
        return total_owed(session, pupil.id)


def test_a_ussd_payment_prompts_the_phone_and_ten_callbacks_post_it_once(http, daraja, schools):  # noqa: F811
    assert "M-Pesa" in pay_by_ussd(http, PARENT)
    prompt = open_prompt(daraja)
    assert (prompt["phone"], prompt["amount"], prompt["account_reference"]) == (MSISDN, 5000, "KJA001")
    assert prompt["shortcode"] == KILIMANI.shortcode and prompt["callback_url"].endswith(
        f"/daraja/stk/{TOKEN}"
    )
    daraja.resolve(prompt["checkout_request_id"], result_code=0, callback="duplicate", copies=10)
    (request,) = request_status(schools, RequestStatus.PAID)
    wait_for(lambda: len(daraja.control("GET", "callbacks")["attempts"]) >= 10)
    (payment,) = payments(schools)
    resolved = daraja.control("GET", f"stk/{prompt['checkout_request_id']}")
    assert (payment.reference, payment.source, payment.amount) == (
        resolved["receipt"],
        PaymentSource.MPESA_STK,
        5_000_00,
    )
    assert request.receipt == payment.reference and not request.flagged
    assert len(messages(schools, Category.RECEIPT)) == 1 and owed(schools) == 30_000_00
    answers = {a.get("status_code") for a in daraja.control("GET", "callbacks")["attempts"]}
    assert answers == {200}


def test_pay_by_sms_keyword_sends_the_prompt_too(http, daraja, schools):  # noqa: F811
    response = http.post(
        f"/at/sms/{TOKEN}",
        data={
            "from": PARENT,
            "to": "22384",
            "text": "PAY 2000 MS-100",
            "id": "ATXid_pay",
            "date": "",
            "linkId": "",
        },
    )
    assert response.status_code == 200
    prompt = open_prompt(daraja)
    assert (prompt["amount"], prompt["account_reference"], prompt["shortcode"]) == (2000, "MS100", "600200")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (1, "balance was too low"),
        (1032, "You cancelled the prompt"),
        (1037, "could not reach your phone"),
        (2001, "PIN was wrong"),
    ],
)
def test_a_failed_prompt_tells_the_parent_why_and_how_to_try_again(http, daraja, schools, code, words):  # noqa: F811
    pay_by_ussd(http, PARENT)
    prompt = open_prompt(daraja)
    daraja.resolve(prompt["checkout_request_id"], result_code=code, callback="duplicate", copies=3)
    (request,) = request_status(schools, RequestStatus.FAILED)
    assert request.result_code == str(code)
    (notice,) = wait_for(lambda: messages(schools, Category.PAYMENT_FAILED))
    assert notice.phone == PARENT and words in notice.body and "Paybill 600100 account KJA-001" in notice.body
    assert payments(schools) == [] and owed(schools) == 35_000_00


def test_a_lost_callback_is_recovered_by_the_query_and_the_late_one_completes_it(http, daraja, schools):  # noqa: F811
    pay_by_ussd(http, PARENT)
    prompt = open_prompt(daraja)
    checkout = prompt["checkout_request_id"]
    resolved = daraja.resolve(checkout, result_code=0, callback="drop")
    (request,) = request_status(schools, RequestStatus.PAID)
    (provisional,) = payments(schools)
    assert provisional.reference == f"STK-{checkout}".upper() and request.receipt is None
    assert owed(schools) == 30_000_00 and len(messages(schools, Category.RECEIPT)) == 1
    late = stk_callback(checkout, 0, resolved["receipt"], 5000.0, int(MSISDN))
    assert http.post(f"/daraja/stk/{TOKEN}", json=late).json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    (payment,) = payments(schools)
    assert payment.id == provisional.id and payment.reference == resolved["receipt"]
    assert owed(schools) == 30_000_00 and len(messages(schools, Category.RECEIPT)) == 1


def test_no_answer_after_the_query_schedule_leaves_the_request_for_review(http, daraja, schools):  # noqa: F811
    pay_by_ussd(http, PARENT)
    open_prompt(daraja)  # never answered
    (request,) = request_status(schools, RequestStatus.REVIEW)
    assert request.flagged and request.queries == 3 and payments(schools) == []


def test_a_prompt_already_open_on_the_phone_is_explained_kindly(http, daraja, services, schools):  # noqa: F811
    gateway = daraja_gateway(services)
    gateway.stk_push(  # another merchant's prompt is open on the parent's phone
        KILIMANI,
        phone=MSISDN,
        amount=10,
        account_reference="X1",
        description="Other",
        callback_url=daraja.url,
    )
    pay_by_ussd(http, PARENT)
    (request,) = request_status(schools, RequestStatus.FAILED)
    (notice,) = wait_for(lambda: messages(schools, Category.PAYMENT_FAILED))
    assert "Another M-Pesa prompt was open" in notice.body and not request.flagged


def test_daraja_down_is_tried_again_with_backoff(http, daraja, schools):  # noqa: F811
    daraja.control("POST", "fail", count=2, api="stkpush", status=503)
    pay_by_ussd(http, PARENT)
    open_prompt(daraja)
    (request,) = request_status(schools, RequestStatus.SENT)
    assert request.push_attempts == 3


def test_daraja_down_for_good_fails_the_request_and_says_so(http, daraja, schools):  # noqa: F811
    daraja.control("POST", "fail", count=5, api="stkpush", error="500.003.02")
    pay_by_ussd(http, PARENT)
    (request,) = request_status(schools, RequestStatus.FAILED)
    (notice,) = wait_for(lambda: messages(schools, Category.PAYMENT_FAILED))
    assert request.push_attempts == 3 and "could not send the prompt" in notice.body


def test_a_push_daraja_refuses_fails_for_the_bursar(http, daraja, schools):  # noqa: F811
    daraja.control(
        "POST",
        "config",
        shortcodes={
            "600100": {
                "passkey": "another",
                "consumer_key": KILIMANI.consumer_key,
                "consumer_secret": KILIMANI.consumer_secret,
            }
        },
    )
    pay_by_ussd(http, PARENT)
    (request,) = request_status(schools, RequestStatus.FAILED)
    assert request.flagged and "Wrong credentials" in request.flag_reason


def test_an_amount_or_phone_other_than_asked_is_posted_and_flagged(http, daraja, schools):  # noqa: F811
    pay_by_ussd(http, PARENT)
    checkout = open_prompt(daraja)["checkout_request_id"]
    request_status(schools, RequestStatus.SENT)
    odd = stk_callback(checkout, 0, "TKX0DDAMT1", 4000.0, 254722000002)
    assert http.post(f"/daraja/stk/{TOKEN}", json=odd).status_code == 200
    (request,) = requests(schools)
    (payment,) = payments(schools)
    assert request.status == RequestStatus.PAID and payment.amount == 4_000_00
    assert (
        request.flagged
        and "asked KES 5,000.00" in request.flag_reason
        and "+254722000002" in request.flag_reason
    )


def test_a_callback_with_a_wrong_token_is_refused_and_posts_nothing(http, daraja, schools):  # noqa: F811
    pay_by_ussd(http, PARENT)
    checkout = open_prompt(daraja)["checkout_request_id"]
    request_status(schools, RequestStatus.SENT)
    forged = stk_callback(checkout, 0, "TKF0RGED01", 5000.0, int(MSISDN))
    for path in ("/daraja/stk/not-the-token", "/daraja/c2b/confirm/not-the-token", "/daraja/c2b/validate/x"):
        assert http.post(path, json=forged).status_code == 403
    assert payments(schools) == [] and failures(schools) == []
    assert requests(schools)[0].status == RequestStatus.SENT


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1"}}}',
        '{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "c", "ResultCode": 0}}}',
        "[1, 2, 3]",
    ],
)
def test_a_malformed_callback_is_refused_and_kept_for_the_bursar(http, schools, body):  # noqa: F811
    response = http.post(f"/daraja/stk/{TOKEN}", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    (kept,) = failures(schools)
    assert (kept.route, kept.payload) == ("stk", body) and "malformed" in kept.reason
    assert payments(schools) == []


def test_many_concurrent_pushes_share_one_oauth_token(http, daraja, services, schools, mpesa_redis):  # noqa: F811
    before = daraja.tokens_issued().get(KILIMANI.shortcode, 0)
    for key in mpesa_redis.scan_iter("*"):  # the registration's token is gone: every push needs a new one
        mpesa_redis.delete(key)
    phones = [f"+2547120001{n:02d}" for n in range(8)]
    with schools.begin() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == kilimani.id)).first()
        for n, phone in enumerate(phones):
            b.guardian(session, kilimani, phone, b.student(session, grade, f"KJA-2{n:02d}", f"Child {n}"))
    threads = [threading.Thread(target=pay_by_ussd, args=(http, phone)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: len(daraja.prompts()) == len(phones))
    assert daraja.tokens_issued()[KILIMANI.shortcode] == before + 1
