"""STK push and query against the simulator: the fields Daraja is strict about are right (or refused before
any call), and each of Daraja's answers reaches the caller as its typed error."""

from __future__ import annotations

import base64
import datetime as dt
import time

import httpx
import pytest

from providers.daraja import DarajaClient, MemoryTokenStore
from providers.daraja_types import (
    BadRequest,
    DarajaError,
    DarajaUnavailable,
    QuotaExceeded,
    Shortcode,
    SpikeArrest,
    StillProcessing,
    SubscriberLocked,
)

from .conftest import PARENT, STK, push

SECOND_PARENT = "254711000002"


def sent(daraja_sim) -> dict:
    return daraja_sim.requests("stkpush")[-1]["request"]


def test_password_and_timestamp_are_made_in_nairobi_time(daraja_sim, receiver):
    utc = dt.datetime(2024, 7, 10, 6, 15, 26, tzinfo=dt.UTC)  # 09:15:26 in Nairobi
    client = DarajaClient(daraja_sim.url, MemoryTokenStore(), nairobi_now=lambda: utc)

    push(client, receiver)

    body = sent(daraja_sim)
    assert body["Timestamp"] == "20240710091526"
    assert base64.b64decode(body["Password"]).decode() == f"174379{STK.passkey}20240710091526"
    assert daraja_sim.requests("stkpush")[-1]["status"] == 200


def test_the_push_carries_daraja_fields_as_daraja_wants_them(client, daraja_sim, receiver):
    accepted, path = push(
        client, receiver, amount=1500, account_reference="adm/2024-017", description="Fees @T1 #&2"
    )

    body = sent(daraja_sim)
    assert body["TransactionType"] == "CustomerPayBillOnline"
    assert body["Amount"] == 1500 and isinstance(body["Amount"], int)
    assert body["PartyA"] == body["PhoneNumber"] == PARENT and body["PartyB"] == "174379"
    assert body["AccountReference"] == "ADM2024017"
    assert body["TransactionDesc"] == "Fees T1 2"
    assert body["CallBackURL"] == receiver.url + path
    assert accepted.checkout_request_id.startswith("ws_CO_") and accepted.merchant_request_id
    assert accepted.customer_message == "Success. Request accepted for processing"


def test_a_wrong_passkey_is_wrong_credentials_from_daraja(daraja_sim, receiver):
    wrong = Shortcode(STK.shortcode, "not-the-passkey", STK.consumer_key, STK.consumer_secret)

    with pytest.raises(DarajaError) as refused:
        push(DarajaClient(daraja_sim.url, MemoryTokenStore()), receiver, creds=wrong)

    assert refused.value.code == "500.001.1001" and "Wrong credentials" in refused.value.message
    assert not isinstance(refused.value, SubscriberLocked | StillProcessing)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"account_reference": "ADM1234567890"}, "longer than 12"),
        ({"account_reference": "--/--"}, "no letters or digits"),
        ({"callback_url": "https://karo.example/mpesa/callback"}, "'mpesa'"),
        ({"callback_url": "https://karo.example/M-Pesa/cb"}, "'mpesa'"),
        ({"callback_url": "https://SAFARICOM.example/cb"}, "'safaricom'"),
        ({"callback_url": "https://karo.example/cb?query=1"}, "'query'"),
        ({"callback_url": "https://karo.example/cb/run.exe"}, "'exe'"),
        ({"callback_url": "https://karo.example/cmd/cb"}, "'cmd'"),
        ({"callback_url": "https://karo.example/mysql/cb"}, "'sql'"),
        ({"callback_url": "https://karo.example/pay cb"}, "without spaces"),
        ({"amount": 0}, "outside"),
        ({"amount": 250_001}, "outside"),
        ({"amount": 100.5}, "not a whole number"),
        ({"amount": "100"}, "whole number"),
        ({"amount": True}, "whole number"),
        ({"phone": "0708374149"}, "2547XXXXXXXX"),
        ({"phone": "+254708374149"}, "2547XXXXXXXX"),
        ({"phone": "254208374149"}, "2547XXXXXXXX"),
    ],
)
def test_bad_fields_are_refused_before_any_call(client, daraja_sim, receiver, overrides, reason):
    with pytest.raises(ValueError, match=reason.replace("?", r"\?")):
        push(client, receiver, **overrides)

    assert daraja_sim.issued() == 0 and daraja_sim.requests() == []


@pytest.mark.parametrize(("phone", "amount"), [("254111000001", 1), (PARENT, 250_000)])
def test_new_prefixes_and_the_amount_limits_are_accepted(client, receiver, phone, amount):
    accepted, _ = push(client, receiver, phone=phone, amount=amount)

    assert accepted.checkout_request_id.endswith(phone[3:])


def test_a_second_push_to_a_phone_with_an_open_prompt_is_subscriber_locked(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    first, _ = push(client, receiver)

    with pytest.raises(SubscriberLocked) as locked:
        push(client, receiver)
    push(client, receiver, phone=SECOND_PARENT)  # another phone is free

    assert locked.value.code == "500.001.1001" and "Unable to lock subscriber" in locked.value.message
    daraja_sim.resolve(first.checkout_request_id, result_code=1032)
    assert push(client, receiver)[0].checkout_request_id != first.checkout_request_id


def test_the_query_says_still_processing_then_gives_the_result_as_text(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, _ = push(client, receiver)

    with pytest.raises(StillProcessing):
        client.stk_query(STK, accepted.checkout_request_id)
    daraja_sim.resolve(accepted.checkout_request_id, result_code=1032)
    result = client.stk_query(STK, accepted.checkout_request_id)

    assert (result.result_code, result.result_desc) == ("1032", "Request cancelled by user")
    assert result.checkout_request_id == accepted.checkout_request_id
    assert daraja_sim.requests("query")[0]["status"] == 500


def test_a_paid_query_confirms_without_a_receipt(client, daraja_sim, receiver):
    accepted, _ = push(client, receiver)
    result = _wait_result(client, accepted.checkout_request_id)

    assert result.result_code == "0"
    answer = daraja_sim.requests("query")[-1]["answer"]
    assert answer["ResultCode"] == "0" and "MpesaReceiptNumber" not in answer


def _wait_result(client, checkout_id):
    """Query until the prompt resolves itself (the simulator's default outcome after its delay)."""
    for _ in range(100):
        try:
            return client.stk_query(STK, checkout_id)
        except StillProcessing:
            time.sleep(0.02)
    pytest.fail("the prompt never resolved")


def test_an_unknown_checkout_is_a_bad_request(client):
    with pytest.raises(BadRequest, match="CheckoutRequestID"):
        client.stk_query(STK, "ws_CO_000000000000000000000000")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"error": "500.003.02"}, SpikeArrest),
        ({"error": "500.003.03"}, QuotaExceeded),
        ({"error": "500.003.1001"}, DarajaUnavailable),
        ({"error": "400.002.02", "message": "Bad Request - Invalid PartyB"}, BadRequest),
        ({"status": 503}, DarajaUnavailable),
        ({"status": 502}, DarajaUnavailable),
    ],
)
def test_daraja_errors_arrive_typed(client, daraja_sim, receiver, fault, error):
    daraja_sim.control("POST", "fail", **fault)

    with pytest.raises(error):
        push(client, receiver)


def test_a_slow_daraja_is_unavailable_not_a_hang(daraja_sim, receiver):
    client = DarajaClient(daraja_sim.url, MemoryTokenStore(), http=httpx.Client(timeout=0.3))
    push(client, receiver)  # a token first
    daraja_sim.control("POST", "fail", delay=1)

    with pytest.raises(DarajaUnavailable, match="ReadTimeout"):
        push(client, receiver, phone=SECOND_PARENT)


def test_an_unreachable_daraja_is_unavailable(receiver):
    client = DarajaClient("http://127.0.0.1:9", MemoryTokenStore())

    with pytest.raises(DarajaUnavailable, match="ConnectError"):
        push(client, receiver)


def test_the_network_is_injectable(receiver):
    seen = []

    def daraja(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/oauth/v1/generate":
            return httpx.Response(200, json={"access_token": "T", "expires_in": "3599"})
        return httpx.Response(200, text="<html>gateway</html>")

    http = httpx.Client(transport=httpx.MockTransport(daraja))
    client = DarajaClient("https://sandbox.safaricom.co.ke", MemoryTokenStore(), http=http)

    with pytest.raises(DarajaUnavailable, match="JSON"):
        push(client, receiver)
    assert seen == ["/oauth/v1/generate", "/mpesa/stkpush/v1/processrequest"]


def token(daraja_sim) -> str:
    answer = httpx.get(
        daraja_sim.url + "/oauth/v1/generate",
        params={"grant_type": "client_credentials"},
        auth=(STK.consumer_key, STK.consumer_secret),
    )
    return answer.json()["access_token"]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"CallBackURL": "https://karo.example/mpesa/cb"}, "400.003.02", "URL has the word MPESA"),
        ({"AccountReference": "ADM1234567890"}, "400.002.02", "Invalid AccountReference"),
        ({"Amount": 1500.5}, "400.002.02", "Invalid Amount"),
        ({"Amount": 0}, "400.002.02", "Invalid Amount"),
        ({"Amount": 250_001}, "400.002.02", "Invalid Amount"),
        ({"PhoneNumber": "0708374149"}, "400.002.02", "Invalid PhoneNumber"),
        ({"Timestamp": "2024-07-10"}, "400.002.02", "Invalid Timestamp"),
        ({"BusinessShortCode": "999999"}, "500.001.1001", "Merchant does not exist"),
    ],
)
def test_the_simulator_refuses_what_daraja_refuses(client, daraja_sim, receiver, change, code, message):
    push(client, receiver)
    body = sent(daraja_sim) | {"PhoneNumber": SECOND_PARENT, "PartyA": SECOND_PARENT} | change

    answer = httpx.post(
        daraja_sim.url + "/mpesa/stkpush/v1/processrequest",
        json=body,
        headers={"Authorization": f"Bearer {token(daraja_sim)}"},
    )

    assert answer.status_code == int(code.split(".")[0])
    assert answer.json()["errorCode"] == code and message in answer.json()["errorMessage"]
    assert set(answer.json()) == {"requestId", "errorCode", "errorMessage"}


def test_the_simulator_wants_json_and_a_bearer_token(daraja_sim):
    url = daraja_sim.url + "/mpesa/stkpush/v1/processrequest"

    no_token = httpx.post(url, json={})
    as_form = httpx.post(url, data={"a": "b"}, headers={"Authorization": f"Bearer {token(daraja_sim)}"})

    assert (no_token.status_code, no_token.json()["errorCode"]) == (404, "404.001.03")
    assert as_form.json()["errorMessage"] == "Bad Request - Invalid BusinessShortCode"
