"""Paybill (C2B): URLs registered through the client, a parent paying through the simulator, validation
honoured, and confirmations (masked phone, TransAmount as text) read by ``parse_c2b``."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx
import pytest

from providers.daraja import parse_c2b, parse_stk_callback
from providers.daraja_fields import NAIROBI
from providers.daraja_types import BadRequest, DarajaError, DarajaUnavailable
from providers.inbound import MalformedCallback

from .conftest import PAYBILL, STK, push, wait_for

PAYER = "254712345126"


@pytest.fixture
def urls(client, receiver):
    """Register fresh confirmation and validation URLs for the Paybill; return their paths."""
    confirm, validate = receiver.path("c2b/confirm"), receiver.path("c2b/validate")
    client.register_c2b_urls(
        PAYBILL, confirmation_url=receiver.url + confirm, validation_url=receiver.url + validate
    )
    return confirm, validate


def pay(daraja_sim, **payment):
    return daraja_sim.control(
        "POST", "c2b/pay", **({"shortcode": PAYBILL.shortcode, "phone": PAYER} | payment)
    )


def test_registration_stores_the_urls_for_the_shortcode(daraja_sim, receiver, urls):
    registration = daraja_sim.control("GET", "c2b")["registrations"][PAYBILL.shortcode]

    assert registration["confirmation_url"] == receiver.url + urls[0]
    assert registration["response_type"] == "Completed"
    assert daraja_sim.requests("registerurl")[0]["answer"]["ResponseDescription"] == "Success"


def test_a_validated_payment_is_confirmed_with_a_masked_phone(daraja_sim, receiver, urls):
    confirm, validate = urls

    outcome = pay(daraja_sim, amount=1500, bill_ref=" adm 1234")

    [checked] = receiver.at(validate)
    [confirmation] = receiver.at(confirm)
    payment = parse_c2b(confirmation)
    assert outcome["status"] == "completed" and outcome["validation"]["accepted"]
    assert confirmation["MSISDN"] == "2547 ***** 126" == payment.msisdn
    assert confirmation["TransAmount"] == "1500.00" and payment.amount_cents == 150_000
    assert payment.bill_ref == "adm 1234" and checked["BillRefNumber"] == " adm 1234"
    assert payment.trans_id == outcome["trans_id"] and payment.shortcode == PAYBILL.shortcode
    assert payment.trans_time.tzinfo == NAIROBI
    assert abs(payment.trans_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert all(isinstance(v, str) for v in confirmation.values())
    assert confirmation["OrgAccountBalance"] == "1500.00"


def test_a_rejected_validation_means_no_payment(daraja_sim, receiver, urls):
    confirm, validate = urls
    receiver.answers[validate] = (200, {"ResultCode": "C2B00012", "ResultDesc": "Rejected"})

    outcome = pay(daraja_sim, amount=1500, bill_ref="NOSUCH1")

    assert len(receiver.at(validate)) == 1 and receiver.at(confirm) == []
    assert outcome["status"] == "rejected" and outcome["validation"]["result_code"] == "C2B00012"
    assert daraja_sim.control("GET", "c2b")["payments"][0]["status"] == "rejected"


def test_without_validation_only_the_confirmation_comes(daraja_sim, client, receiver):
    confirm, validate = receiver.path("c2b/confirm"), receiver.path("c2b/validate")
    client.register_c2b_urls(
        STK, confirmation_url=receiver.url + confirm, validation_url=receiver.url + validate
    )

    pay(daraja_sim, shortcode=STK.shortcode, amount=200, bill_ref="ADM1")

    assert receiver.at(validate) == [] and len(receiver.at(confirm)) == 1


@pytest.mark.parametrize(("response_type", "paid"), [("Completed", True), ("Cancelled", False)])
def test_a_failing_validation_url_applies_the_registered_default(
    daraja_sim, client, receiver, response_type, paid
):
    confirm, validate = receiver.path("c2b/confirm"), receiver.path("c2b/validate")
    receiver.answers[validate] = (500, {"error": "down"})
    client.register_c2b_urls(
        PAYBILL,
        confirmation_url=receiver.url + confirm,
        validation_url=receiver.url + validate,
        response_type=response_type,
    )

    outcome = pay(daraja_sim, amount=100, bill_ref="ADM1")

    assert outcome["validation"]["default_applied"]
    assert (len(receiver.at(confirm)) == 1) is paid


def test_a_forced_receipt_lets_an_stk_payment_and_a_confirmation_share_it(client, daraja_sim, receiver, urls):
    _, path = push(client, receiver, creds=PAYBILL, amount=1500)
    receipt = parse_stk_callback(wait_for(lambda: receiver.at(path))[0]).receipt

    pay(daraja_sim, amount=1500, bill_ref="ADM1234", trans_id=receipt, copies=2)

    confirmations = receiver.at(urls[0])
    assert [parse_c2b(c).trans_id for c in confirmations] == [receipt, receipt]


def test_hashed_msisdns_as_c2b_v1_sends_them(daraja_sim, receiver, urls):
    daraja_sim.configure(msisdn="hashed")

    pay(daraja_sim, amount=5, bill_ref="ADM1")

    [confirmation] = receiver.at(urls[0])
    assert parse_c2b(confirmation).msisdn == hashlib.sha256(PAYER.encode()).hexdigest()


def test_the_sandbox_simulate_endpoint_pays_in_the_background(client, daraja_sim, receiver, urls):
    token = httpx.get(
        daraja_sim.url + "/oauth/v1/generate",
        params={"grant_type": "client_credentials"},
        auth=(PAYBILL.consumer_key, PAYBILL.consumer_secret),
    ).json()["access_token"]
    body = {"ShortCode": 600984, "CommandID": "CustomerPayBillOnline", "Amount": 7, "Msisdn": PAYER}

    answer = httpx.post(
        daraja_sim.url + "/mpesa/c2b/v2/simulate",
        json=body | {"BillRefNumber": "ADM9"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.json()["ResponseCode"] == "0"
    assert parse_c2b(wait_for(lambda: receiver.at(urls[0]))[0]).amount_cents == 700


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"confirmation_url": "https://karo.example/mpesa/confirm"}, "'mpesa'"),
        ({"validation_url": "https://karo.example/validate?query=1"}, "'query'"),
        ({"response_type": "completed"}, "ResponseType"),
    ],
)
def test_registrations_daraja_would_refuse_are_refused_before_any_call(client, daraja_sim, change, reason):
    urls = {"confirmation_url": "https://karo.example/c", "validation_url": "https://karo.example/v"}

    with pytest.raises(ValueError, match=reason):
        client.register_c2b_urls(PAYBILL, **(urls | change))
    assert daraja_sim.requests() == []


def test_the_simulator_refuses_a_forbidden_word_in_a_c2b_url(client, daraja_sim, receiver):
    client.register_c2b_urls(
        PAYBILL, confirmation_url=receiver.url + "/c", validation_url=receiver.url + "/v"
    )
    token = daraja_sim.control("GET", "oauth")["current"][PAYBILL.shortcode]
    body = {"ShortCode": "600984", "ResponseType": "Completed", "ValidationURL": receiver.url + "/v"}

    answer = httpx.post(
        daraja_sim.url + "/mpesa/c2b/v2/registerurl",
        json=body | {"ConfirmationURL": "https://karo.example/Safaricom/c"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == 400 and answer.json()["errorCode"] == "400.003.02"
    assert "URL has the word SAFARICOM" in answer.json()["errorMessage"]


def test_in_production_urls_register_only_once(client, daraja_sim, receiver):
    daraja_sim.configure(production=True)
    urls = {"confirmation_url": receiver.url + "/c", "validation_url": receiver.url + "/v"}
    client.register_c2b_urls(PAYBILL, **urls)

    with pytest.raises(DarajaError, match="already registered") as refused:
        client.register_c2b_urls(PAYBILL, **urls)

    assert refused.value.code == "500.003.1001"
    assert not isinstance(refused.value, BadRequest | DarajaUnavailable)


CONFIRMATION = {
    "TransactionType": "Pay Bill",
    "TransID": "RKL51ZDR4F",
    "TransTime": "20231121121325",
    "TransAmount": "5.00",
    "BusinessShortCode": "600966",
    "BillRefNumber": "Sample Transaction",
    "InvoiceNumber": "",
    "OrgAccountBalance": "25.00",
    "ThirdPartyTransID": "",
    "MSISDN": "2547 ***** 126",
    "FirstName": "NICHOLAS",
    "MiddleName": "",
    "LastName": "",
}


def test_safaricoms_own_confirmation_sample_parses():
    payment = parse_c2b(CONFIRMATION)

    assert (payment.trans_id, payment.amount_cents, payment.bill_ref) == (
        "RKL51ZDR4F",
        500,
        "Sample Transaction",
    )
    assert payment.trans_time == dt.datetime(2023, 11, 21, 12, 13, 25, tzinfo=NAIROBI)
    assert (payment.msisdn, payment.first_name, payment.shortcode) == ("2547 ***** 126", "NICHOLAS", "600966")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"TransID": ""}, "TransID"),
        ({"TransID": None}, "TransID"),
        ({"TransAmount": "five"}, "TransAmount"),
        ({"TransAmount": "5.001"}, "TransAmount"),
        ({"TransAmount": "-5.00"}, "TransAmount"),
        ({"TransTime": "2023-11-21 12:13:25"}, "TransTime"),
        ({"BusinessShortCode": ""}, "BusinessShortCode"),
        ({"BillRefNumber": None}, "BillRefNumber"),
        ({"MSISDN": {"masked": True}}, "MSISDN"),
    ],
)
def test_malformed_c2b_bodies_are_refused_with_the_reason(change, reason):
    with pytest.raises(MalformedCallback, match=reason):
        parse_c2b(CONFIRMATION | change)


def test_a_c2b_body_that_is_not_an_object_is_malformed():
    with pytest.raises(MalformedCallback, match="not a JSON object"):
        parse_c2b(["TransID"])
