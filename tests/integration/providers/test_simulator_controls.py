"""The simulators' control routes: scripted fault counts, the recorder, settings and reset."""

from __future__ import annotations

import httpx
import pytest

from providers.africastalking import AfricasTalkingSms
from providers.messaging import TransientSendError
from providers.twilio import TwilioMessaging

PARENT = "+254711000001"


def test_n_scripted_faults_fail_exactly_n_sends_and_the_recorder_shows_each(twilio_sim):
    twilio = TwilioMessaging("AC" + "0" * 32, "simulator-token", twilio_sim.url, "+15005550006")
    twilio_sim.fail(count=2, status=429)

    for _ in range(2):
        with pytest.raises(TransientSendError):
            twilio.send_sms(PARENT, "Receipt")
    result = twilio.send_sms(PARENT, "Receipt")

    recorded = twilio_sim.messages()
    assert [m["accepted"] for m in recorded] == [False, False, True]
    assert [m["sid"] for m in recorded if m["accepted"]] == [result.provider_id]


def test_the_recorder_can_be_emptied(at_sim):
    AfricasTalkingSms("sandbox", "simulator-key", at_sim.url).send_sms(PARENT, "Hi")

    assert httpx.delete(at_sim.url + "/_sim/messages").status_code == 204
    assert at_sim.messages() == []


def test_reset_restores_the_default_settings(at_sim):
    at_sim.configure(blacklist=[PARENT], delay=1)

    at_sim.control("POST", "reset")

    settings = at_sim.control("GET", "config")
    assert settings["blacklist"] == [] and settings["delay"] == 0.05


@pytest.mark.parametrize(
    ("path", "payload"),
    [("fail", {"count": 0, "status": 500}), ("fail", {}), ("config", {"delay": "soon"}), ("config", [1])],
)
def test_malformed_control_requests_get_400(twilio_sim, path, payload):
    response = httpx.post(f"{twilio_sim.url}/_sim/{path}", json=payload)

    assert response.status_code == 400 and response.json()["error"]
