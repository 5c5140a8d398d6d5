"""Twilio's webhooks: status callbacks and inbound messages reach a receiver signed, duplicated or out of
order on demand, and our parsers and ``verify_signature`` read them as Karo will."""

from __future__ import annotations

import pytest

from providers.inbound import MalformedCallback
from providers.twilio import TwilioMessaging, parse_inbound, parse_status_callback, verify_signature

from .conftest import wait_for

ACCOUNT, TOKEN = "AC" + "0" * 32, "simulator-token"
PARENT = "+254711000001"


@pytest.fixture
def twilio(twilio_sim, receiver) -> TwilioMessaging:
    twilio_sim.configure(
        delay=0.0, whatsapp_url=receiver.url + "/twilio/whatsapp", sms_url=receiver.url + "/twilio/sms"
    )
    return TwilioMessaging(
        ACCOUNT, TOKEN, twilio_sim.url, "+15005550006", "+14155238886", callback_base_url=receiver.url
    )


def callbacks_for(receiver, sid, count):
    def arrived():
        mine = [h for h in receiver.at("/twilio/status") if h.fields["MessageSid"] == sid]
        return len(mine) >= count and mine

    return wait_for(arrived)


def signed(hit) -> bool:
    return verify_signature(TOKEN, hit.url, hit.fields, hit.headers.get("x-twilio-signature"))


def test_status_callbacks_are_signed_and_verify(twilio, receiver):
    sid = twilio.send_sms(PARENT, "Hi").provider_id

    hits = callbacks_for(receiver, sid, 2)

    assert all(signed(h) for h in hits)
    assert {h.fields["AccountSid"] for h in hits} == {ACCOUNT}


def test_callbacks_can_arrive_duplicated_and_delivered_before_sent(twilio, twilio_sim, receiver):
    twilio_sim.configure(duplicate=True, reorder=True)

    sid = twilio.send_sms(PARENT, "Hi").provider_id

    hits = callbacks_for(receiver, sid, 4)
    assert [parse_status_callback(h.fields).status for h in hits] == [
        "delivered",
        "delivered",
        "sent",
        "sent",
    ]
    assert all(signed(h) for h in hits)


def test_a_tampered_callback_fails_verification(twilio, receiver):
    sid = twilio.send_sms(PARENT, "Hi").provider_id
    hit = callbacks_for(receiver, sid, 1)[0]
    signature = hit.headers["x-twilio-signature"]

    tampered = {
        **hit.fields,
        "MessageStatus": "delivered" if hit.fields["MessageStatus"] != "delivered" else "sent",
    }
    assert not verify_signature(TOKEN, hit.url, tampered, signature)
    assert not verify_signature(
        TOKEN, hit.url.replace("/twilio/status", "/twilio/other"), hit.fields, signature
    )
    assert not verify_signature("another-token", hit.url, hit.fields, signature)
    assert not verify_signature(TOKEN, hit.url, hit.fields, "Zm9yZ2VkIHNpZ25hdHVyZQ==")
    assert not verify_signature(TOKEN, hit.url, hit.fields, None)


def test_an_injected_whatsapp_message_arrives_signed_and_parses(twilio, twilio_sim, receiver):
    answer = twilio_sim.control(
        "POST", "inbound", **{"from": PARENT, "body": "balance", "profile_name": "Jane"}
    )

    assert answer["status_code"] == 200
    [hit] = receiver.at("/twilio/whatsapp")
    assert signed(hit)
    assert hit.fields["From"] == "whatsapp:" + PARENT and hit.fields["WaId"] == PARENT[1:]
    message = parse_inbound(hit.fields)
    assert (message.provider_id, message.phone, message.text, message.channel) == (
        answer["sid"],
        PARENT,
        "balance",
        "whatsapp",
    )
    assert message.to == "+14155238886"


def test_a_quick_reply_tap_carries_its_button_payload(twilio, twilio_sim, receiver):
    twilio_sim.control(
        "POST", "inbound", **{"from": PARENT, "body": "Pay now", "button_payload": "pay:term1"}
    )

    [hit] = receiver.at("/twilio/whatsapp")
    assert hit.fields["MessageType"] == "button"
    assert parse_inbound(hit.fields).button_payload == "pay:term1"


def test_an_injected_sms_arrives_signed_at_the_sms_webhook(twilio, twilio_sim, receiver):
    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "STOP", "channel": "sms"})

    [hit] = receiver.at("/twilio/sms")
    assert signed(hit)
    message = parse_inbound(hit.fields)
    assert (message.phone, message.text, message.channel, message.to) == (
        PARENT,
        "STOP",
        "sms",
        "+15005550006",
    )


def test_a_duplicated_inbound_message_keeps_its_message_sid(twilio, twilio_sim, receiver):
    twilio_sim.configure(duplicate=True)

    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "hi"})

    hits = receiver.at("/twilio/whatsapp")
    assert len(hits) == 2 and hits[0].fields["MessageSid"] == hits[1].fields["MessageSid"]


# The documented shapes.


def test_the_sdk_signature_vector_verifies():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
        "Caller": "+14158675309",
    }

    assert verify_signature("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not verify_signature("12345", url, {**params, "Digits": "1235"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("queued", "sent"),
        ("sending", "sent"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("read", "read"),
        ("undelivered", "undelivered"),
        ("failed", "failed"),
    ],
)
def test_message_statuses_map_to_delivery_updates(raw, expected):
    assert parse_status_callback({"MessageSid": "SM1", "MessageStatus": raw}).status == expected


def test_a_failed_status_carries_the_error_code():
    form = {"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "63016"}

    assert parse_status_callback(form).reason == "63016"


@pytest.mark.parametrize(
    "form",
    [{"MessageStatus": "sent"}, {"MessageSid": "SM1"}, {"MessageSid": "SM1", "MessageStatus": "received"}],
)
def test_malformed_status_callbacks_are_refused(form):
    with pytest.raises(MalformedCallback):
        parse_status_callback(form)


def test_an_inbound_without_from_is_refused():
    with pytest.raises(MalformedCallback):
        parse_inbound({"MessageSid": "SM1", "To": "whatsapp:+14155238886", "Body": "hi"})
