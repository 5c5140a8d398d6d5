"""STK callbacks: the simulator POSTs them as Daraja does (success with a valueless Balance item, failures
without metadata, dropped, duplicated, late), and ``parse_stk_callback`` reads each, or refuses it clearly."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time

import pytest

from providers.daraja import parse_stk_callback
from providers.daraja_fields import NAIROBI
from providers.inbound import MalformedCallback

from .conftest import PARENT, STK, push, wait_for


def callbacks(receiver, path, count=1):
    return wait_for(lambda: len(receiver.at(path)) >= count and receiver.at(path))


def test_a_paid_prompt_calls_back_with_amount_receipt_phone_and_time(client, daraja_sim, receiver):
    accepted, path = push(client, receiver, amount=1500)

    [body] = callbacks(receiver, path)
    paid = parse_stk_callback(body)

    assert (paid.checkout_request_id, paid.merchant_request_id) == (
        accepted.checkout_request_id,
        accepted.merchant_request_id,
    )
    assert (paid.result_code, paid.amount, paid.phone) == ("0", 1500, PARENT)
    assert re.fullmatch(r"TKL[A-Z0-9]{7}", paid.receipt)
    assert paid.paid_at.tzinfo == NAIROBI and abs(paid.paid_at - dt.datetime.now(dt.UTC)) < dt.timedelta(
        minutes=1
    )
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    assert {"Name": "Balance"} in items
    assert isinstance(items[0]["Value"], float) and isinstance(items[-1]["Value"], int)
    assert daraja_sim.prompt(accepted.checkout_request_id)["receipt"] == paid.receipt


SUCCESS = """{"Body": {"stkCallback": {
  "MerchantRequestID": "29115-34620561-1", "CheckoutRequestID": "ws_CO_191220191020363925",
  "ResultCode": 0, "ResultDesc": "The service request is processed successfully.",
  "CallbackMetadata": {"Item": [
    {"Name": "Amount", "Value": 1.00}, {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
    {"Name": "Balance"}, {"Name": "TransactionDate", "Value": 20191219102115},
    {"Name": "PhoneNumber", "Value": 254708374149}]}}}}"""


def test_safaricoms_own_success_sample_parses():
    paid = parse_stk_callback(json.loads(SUCCESS))

    assert (paid.amount, paid.receipt, paid.phone) == (1, "NLJ7RT61SV", "254708374149")
    assert paid.paid_at == dt.datetime(2019, 12, 19, 10, 21, 15, tzinfo=NAIROBI)
    assert paid.paid_at.astimezone(dt.UTC).hour == 7


def test_items_are_read_by_name_in_any_order_and_amount_as_text():
    body = json.loads(SUCCESS)
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    items.reverse()
    items[-1]["Value"] = "1"  # Amount, now last and a string

    assert parse_stk_callback(body).amount == 1


@pytest.mark.parametrize(
    ("outcome", "code", "desc"),
    [(1032, "1032", "Request cancelled by user"), (1, "1", "insufficient"), (2001, "2001", "invalid")],
)
def test_a_failed_prompt_calls_back_without_metadata(client, daraja_sim, receiver, outcome, code, desc):
    daraja_sim.configure(outcome=outcome)
    _, path = push(client, receiver)

    [body] = callbacks(receiver, path)
    failed = parse_stk_callback(body)

    assert "CallbackMetadata" not in body["Body"]["stkCallback"]
    assert failed.result_code == code and desc in failed.result_desc
    assert (failed.amount, failed.receipt, failed.phone, failed.paid_at) == (None, None, None, None)


def test_a_non_numeric_result_code_is_kept_as_text(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, path = push(client, receiver)

    daraja_sim.resolve(accepted.checkout_request_id, result_code="SFC_IC0003")

    [body] = callbacks(receiver, path)
    assert body["Body"]["stkCallback"]["ResultCode"] == "SFC_IC0003"
    assert parse_stk_callback(body).result_code == "SFC_IC0003"


def test_callbacks_are_duplicated_as_configured(client, daraja_sim, receiver):
    daraja_sim.configure(callback="duplicate", copies=3)
    _, path = push(client, receiver)

    bodies = callbacks(receiver, path, 3)

    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == 1
    assert len({parse_stk_callback(b).receipt for b in bodies}) == 1


def test_a_dropped_callback_never_comes_but_the_query_knows(client, daraja_sim, receiver):
    daraja_sim.configure(callback="drop")
    accepted, path = push(client, receiver)

    wait_for(lambda: daraja_sim.prompt(accepted.checkout_request_id)["status"] == "resolved")
    time.sleep(0.2)

    assert receiver.at(path) == []
    assert daraja_sim.control("GET", "callbacks")["attempts"] == []
    assert client.stk_query(STK, accepted.checkout_request_id).result_code == "0"


def test_a_late_callback_comes_after_the_query_has_the_result(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, path = push(client, receiver)

    daraja_sim.resolve(accepted.checkout_request_id, result_code=0, callback_delay=0.5)

    assert client.stk_query(STK, accepted.checkout_request_id).result_code == "0"
    assert receiver.at(path) == []
    assert parse_stk_callback(callbacks(receiver, path)[0]).result_code == "0"


def test_an_ignored_prompt_times_out_as_unreachable(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False, prompt_timeout=0.2)
    _, path = push(client, receiver)

    [body] = callbacks(receiver, path)

    assert parse_stk_callback(body).result_code == "1037"


def test_the_sandbox_can_list_open_prompts_for_a_phone(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, _ = push(client, receiver, amount=2500, account_reference="ADM-77")
    push(client, receiver, phone="254711000002")

    [prompt] = daraja_sim.control("GET", f"stk?phone={PARENT}&status=pending")

    assert prompt["checkout_request_id"] == accepted.checkout_request_id
    assert (prompt["phone"], prompt["amount"], prompt["account_reference"]) == (PARENT, 2500, "ADM77")
    assert prompt["status"] == "pending"


def test_an_accepted_prompt_resolved_later_stays_pending_until_then(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, path = push(client, receiver)

    answer = daraja_sim.resolve(accepted.checkout_request_id, result_code=1037, delay=0.3)

    assert answer["status"] == "pending"
    assert parse_stk_callback(callbacks(receiver, path)[0]).result_code == "1037"


def malformed(change):
    body = json.loads(SUCCESS)
    change(body["Body"]["stkCallback"])
    return body


def _drop(key):
    return lambda cb: cb.pop(key)


def _set(key, value):
    return lambda cb: cb.__setitem__(key, value)


def _item(name, value):
    def change(cb):
        for item in cb["CallbackMetadata"]["Item"]:
            if item["Name"] == name:
                item["Value"] = value

    return change


def _remove_item(name):
    return lambda cb: cb["CallbackMetadata"].__setitem__(
        "Item", [i for i in cb["CallbackMetadata"]["Item"] if i["Name"] != name]
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "Body"),
        ([], "not a JSON object"),
        ({"stkCallback": {}}, "Body"),
        ({"Body": {"stkCallback": "x"}}, "stkCallback"),
        (malformed(_drop("CheckoutRequestID")), "CheckoutRequestID"),
        (malformed(_set("MerchantRequestID", "")), "MerchantRequestID"),
        (malformed(_drop("ResultCode")), "ResultCode"),
        (malformed(_set("ResultCode", True)), "ResultCode"),
        (malformed(_drop("CallbackMetadata")), "CallbackMetadata"),
        (malformed(lambda cb: cb["CallbackMetadata"].__setitem__("Item", {})), "not a list"),
        (malformed(lambda cb: cb["CallbackMetadata"]["Item"].append({"Value": 1})), "no Name"),
        (malformed(_item("Amount", 1.5)), "whole number"),
        (malformed(_item("Amount", "ten")), "not a number"),
        (malformed(_item("Amount", 0)), "whole number"),
        (malformed(_remove_item("MpesaReceiptNumber")), "MpesaReceiptNumber"),
        (malformed(_remove_item("Amount")), "Amount"),
        (malformed(_item("TransactionDate", 2019121910211)), "TransactionDate"),
        (malformed(_item("TransactionDate", 20191319102115)), "TransactionDate"),
        (malformed(_item("PhoneNumber", "+254 708")), "PhoneNumber"),
    ],
)
def test_malformed_callbacks_are_refused_with_the_reason(body, reason):
    with pytest.raises(MalformedCallback, match=reason):
        parse_stk_callback(copy.deepcopy(body))
