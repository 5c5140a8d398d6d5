"""Sending SMS through the official Africa's Talking SDK to the simulator, over HTTP."""

from __future__ import annotations

import pytest

from providers.africastalking import AfricasTalkingSms
from providers.messaging import TransientSendError

PARENT = "+254711000001"


@pytest.fixture
def sms(at_sim) -> AfricasTalkingSms:
    return AfricasTalkingSms("sandbox", "simulator-key", at_sim.url)


def test_an_accepted_sms_has_ats_message_id_and_is_recorded_once(sms, at_sim):
    result = sms.send_sms(PARENT, "Fee balance: KES 4,500", sender_id="KARO")

    assert result.accepted and result.status == "Success"
    assert result.provider_id.startswith("ATXid_")
    [sent] = at_sim.messages()
    assert (sent["id"], sent["to"], sent["from"], sent["message"]) == (
        result.provider_id,
        PARENT,
        "KARO",
        "Fee balance: KES 4,500",
    )


def test_an_unregistered_sender_id_is_refused_wholesale_with_ats_reason(sms, at_sim):
    result = sms.send_sms(PARENT, "Hello", sender_id="NOTOURS")

    assert not result.accepted
    assert result.reason == "InvalidSenderId"
    assert [m["accepted"] for m in at_sim.messages()] == [False]


def test_a_blacklisted_parent_is_refused_per_recipient(sms, at_sim):
    at_sim.configure(blacklist=[PARENT])

    result = sms.send_sms(PARENT, "Reminder", sender_id="KARO")

    assert not result.accepted
    assert (result.status, result.reason) == ("UserInBlacklist", "UserInBlacklist (406)")


@pytest.mark.parametrize(
    ("code", "reason"), [(403, "InvalidPhoneNumber (403)"), (405, "InsufficientBalance (405)")]
)
def test_other_per_recipient_failures_are_refused_with_status_and_code(sms, at_sim, code, reason):
    at_sim.configure(recipient_status={PARENT: code})

    assert sms.send_sms(PARENT, "Hi").reason == reason


@pytest.mark.parametrize("status", [500, 503, 429])
def test_http_errors_from_at_are_transient(sms, at_sim, status):
    at_sim.fail(status=status)

    with pytest.raises(TransientSendError, match=f"HTTP {status}"):
        sms.send_sms(PARENT, "Hi")
    assert sms.send_sms(PARENT, "Hi").accepted  # the fault was for one send only


@pytest.mark.parametrize("code", [500, 501])
def test_per_recipient_server_errors_are_transient(sms, at_sim, code):
    at_sim.fail(recipient_status=code)

    with pytest.raises(TransientSendError, match=f"\\({code}\\)"):
        sms.send_sms(PARENT, "Hi")


def test_a_slow_answer_times_out_as_transient(at_sim):
    at_sim.fail(delay=1.5)
    impatient = AfricasTalkingSms("sandbox", "simulator-key", at_sim.url, timeout=(1, 0.3))

    with pytest.raises(TransientSendError, match="Timeout"):
        impatient.send_sms(PARENT, "Hi")


def test_an_unreachable_host_is_transient():
    nowhere = AfricasTalkingSms("sandbox", "simulator-key", "http://127.0.0.1:9", timeout=(0.5, 0.5))

    with pytest.raises(TransientSendError):
        nowhere.send_sms(PARENT, "Hi")


def test_a_json_answer_with_another_content_type_is_still_read(sms, at_sim):
    at_sim.configure(content_type="text/plain; charset=utf-8")  # the SDK then returns a str

    result = sms.send_sms(PARENT, "Hi")

    assert result.accepted and result.provider_id.startswith("ATXid_")


def test_bad_credentials_are_refused_with_ats_words(at_sim):
    wrong = AfricasTalkingSms("sandbox", "wrong-key", at_sim.url)

    result = wrong.send_sms(PARENT, "Hi")

    assert not result.accepted
    assert result.reason == "HTTP 401: The supplied authentication is invalid"
    assert at_sim.messages() == []


def test_a_number_without_plus_is_refused_before_any_request(sms, at_sim):
    result = sms.send_sms("0711000001", "Hi")

    assert not result.accepted and result.status == "InvalidPhoneNumber"
    assert at_sim.messages() == []


def test_a_wholesale_refusal_chosen_by_the_test_is_permanent(sms, at_sim):
    at_sim.fail(message="InsufficientBalance")

    assert sms.send_sms(PARENT, "Hi").reason == "InsufficientBalance"
