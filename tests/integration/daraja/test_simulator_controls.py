"""The Daraja simulator's own controls: reset, settings, resolving prompts, the recorder and callback log."""

from __future__ import annotations

import httpx
import pytest

from .conftest import PARENT, PAYBILL, push, wait_for


def test_reset_forgets_tokens_prompts_registrations_and_settings(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False, outcome=1032)
    push(client, receiver)
    client.register_c2b_urls(
        PAYBILL, confirmation_url=receiver.url + "/c", validation_url=receiver.url + "/v"
    )

    daraja_sim.control("POST", "reset")

    assert daraja_sim.control("GET", "oauth") == {"issued": {}, "current": {}}
    assert daraja_sim.control("GET", "stk") == [] and daraja_sim.requests() == []
    assert daraja_sim.control("GET", "c2b")["registrations"] == {}
    settings = daraja_sim.control("GET", "config")
    assert settings["auto_resolve"] is True and settings["outcome"] == 0


def test_a_prompt_resolves_once(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, _ = push(client, receiver)
    resolve = f"{daraja_sim.url}/_sim/stk/{accepted.checkout_request_id}/resolve"

    first = httpx.post(resolve, json={"result_code": 0})
    again = httpx.post(resolve, json={"result_code": 1032})

    assert first.json()["status"] == "resolved" and first.json()["receipt"]
    assert again.status_code == 400 and "already resolved" in again.json()["error"]


def test_a_forced_receipt_is_used(client, daraja_sim, receiver):
    daraja_sim.configure(auto_resolve=False)
    accepted, _ = push(client, receiver)

    assert daraja_sim.resolve(accepted.checkout_request_id, receipt="TKL0000001")["receipt"] == "TKL0000001"


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("stk/ws_CO_nosuch/resolve", {"result_code": 0}),
        ("config", {"callback": "sometimes"}),
        ("config", {"msisdn": "clear"}),
        ("config", {"shortcodes": {"1": {"passkey": "x"}}}),
        ("config", {"delay": "soon"}),
        ("c2b/pay", {"shortcode": "600984", "amount": 5, "phone": PARENT}),
        ("oauth/revoke", {"shortcode": "174379"}),
    ],
)
def test_malformed_control_requests_get_400(daraja_sim, path, payload):
    response = httpx.post(f"{daraja_sim.url}/_sim/{path}", json=payload)

    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize(
    "payload", [{"result_code": None}, {"callback": "maybe"}, {"copies": 0}, {"callback_delay": -1}]
)
def test_malformed_resolutions_get_400(client, daraja_sim, receiver, payload):
    daraja_sim.configure(auto_resolve=False)
    accepted, _ = push(client, receiver)

    response = httpx.post(f"{daraja_sim.url}/_sim/stk/{accepted.checkout_request_id}/resolve", json=payload)

    assert response.status_code == 400 and response.json()["error"]
    assert daraja_sim.prompt(accepted.checkout_request_id)["status"] == "pending"


def test_the_callback_log_keeps_what_our_server_answered(client, daraja_sim, receiver):
    _, path = push(client, receiver)
    receiver.answers[path] = (200, {"ResultCode": 0, "ResultDesc": "Accepted"})

    log = wait_for(lambda: daraja_sim.control("GET", "callbacks")["attempts"])

    assert log[0]["url"] == receiver.url + path and log[0]["status_code"] == 200
    assert log[0]["answer"] == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert log[0]["json"]["Body"]["stkCallback"]["ResultCode"] == 0


def test_the_recorder_keeps_each_api_call_with_its_answer(client, daraja_sim, receiver):
    push(client, receiver)

    [call] = daraja_sim.requests()

    assert call["api"] == "stkpush" and call["status"] == 200
    assert call["request"]["PhoneNumber"] == PARENT and call["answer"]["ResponseCode"] == "0"
