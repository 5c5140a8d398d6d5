"""Sending SMS and WhatsApp through the official Twilio SDK to the simulator, including the 24-hour rule."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import httpx
import pytest

from providers.messaging import TransientSendError
from providers.twilio import TwilioMessaging, parse_status_callback

from .conftest import wait_for

ACCOUNT, TOKEN = "AC" + "0" * 32, "simulator-token"
PARENT = "+254711000001"
TEMPLATE = "HX" + "a" * 32
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OUTSIDE_WINDOW = "63016 Failed to send freeform message because you are outside the allowed window."


@pytest.fixture
def twilio(twilio_sim, receiver) -> TwilioMessaging:
    twilio_sim.configure(delay=0.0)
    return TwilioMessaging(
        ACCOUNT, TOKEN, twilio_sim.url, "+15005550006", "+14155238886", callback_base_url=receiver.url
    )


def statuses(receiver, sid, count):
    """The DeliveryUpdates for ``sid`` once ``count`` status callbacks have arrived."""

    def arrived():
        mine = [parse_status_callback(h.fields) for h in receiver.at("/twilio/status")]
        mine = [u for u in mine if u.provider_id == sid]
        return len(mine) >= count and mine

    return wait_for(arrived)


def test_an_sms_is_queued_with_a_message_sid_and_recorded(twilio, twilio_sim):
    result = twilio.send_sms(PARENT, "Fee balance: KES 4,500")

    assert result.accepted and result.status == "queued" and result.provider_id.startswith("SM")
    [sent] = twilio_sim.messages()
    assert (sent["sid"], sent["to"], sent["from"], sent["body"]) == (
        result.provider_id,
        PARENT,
        "+15005550006",
        "Fee balance: KES 4,500",
    )
    assert sent["status_callback"].endswith("/twilio/status")


def test_an_sms_is_then_reported_sent_and_delivered(twilio, receiver):
    sid = twilio.send_sms(PARENT, "Hi").provider_id

    assert [u.status for u in statuses(receiver, sid, 2)] == ["sent", "delivered"]


def test_free_form_whatsapp_outside_the_window_fails_with_63016(twilio, twilio_sim, receiver):
    result = twilio.send_whatsapp(PARENT, "Your balance is KES 4,500")

    assert result.accepted  # Twilio takes it (201 queued) and fails it afterwards
    [update] = statuses(receiver, result.provider_id, 1)
    assert update.status == "failed"
    assert update.reason.startswith(OUTSIDE_WINDOW)
    assert twilio_sim.messages()[0]["error_code"] == 63016


def test_free_form_whatsapp_inside_the_window_is_delivered_and_read(twilio, twilio_sim, receiver):
    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "Hi"})

    result = twilio.send_whatsapp(PARENT, "Your balance is KES 4,500")

    assert [u.status for u in statuses(receiver, result.provider_id, 3)] == ["sent", "delivered", "read"]
    assert twilio_sim.messages()[0]["to"] == "whatsapp:" + PARENT


def test_a_document_goes_as_media_url_and_a_bad_media_url_is_refused_with_21620(twilio, twilio_sim):
    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "RECEIPT"})
    link = "https://karo.example/receipts/7.1780000000.abc.pdf"

    result = twilio.send_whatsapp(PARENT, "Latest receipts: ...", media_url=link)
    refused = twilio.send_whatsapp(PARENT, "Latest receipts: ...", media_url="/receipts/7.pdf")

    assert result.accepted
    assert not refused.accepted and refused.reason.startswith("21620")
    sent = twilio_sim.messages()
    assert sent[0]["media_urls"] == [link] and sent[0]["accepted"] and not sent[1]["accepted"]
    listed = httpx.get(
        f"{twilio_sim.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", auth=(ACCOUNT, TOKEN)
    ).json()["messages"]
    assert [message["num_media"] for message in listed] == ["1"]  # as Twilio lists it
    second = f"{link}?copy=2"
    form = [("To", "whatsapp:" + PARENT), ("From", "whatsapp:+14155238886"), ("MediaUrl", link)]
    messages = f"{twilio_sim.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    body = urlencode([*form, ("MediaUrl", second)])  # the parameter repeats, as Twilio's form takes it
    answer = httpx.post(messages, content=body, headers=FORM, auth=(ACCOUNT, TOKEN))
    assert answer.status_code == 201
    assert twilio_sim.messages()[-1]["media_urls"] == [link]  # WhatsApp sends the first attachment only


def test_the_window_closes_24_hours_after_the_parents_last_message(twilio, twilio_sim, receiver):
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).isoformat()
    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "Hi", "at": long_ago})

    result = twilio.send_whatsapp(PARENT, "Still there?")

    assert statuses(receiver, result.provider_id, 1)[0].reason.startswith("63016")


def test_a_template_outside_the_window_is_delivered(twilio, twilio_sim, receiver):
    result = twilio.send_template(PARENT, TEMPLATE, {"1": "Jane", "2": "KES 4,500"})

    assert result.accepted
    assert [u.status for u in statuses(receiver, result.provider_id, 3)] == ["sent", "delivered", "read"]
    [sent] = twilio_sim.messages()
    assert (sent["content_sid"], sent["body"]) == (TEMPLATE, None)
    assert sent["content_variables"] == '{"1": "Jane", "2": "KES 4,500"}'


def test_an_unapproved_template_outside_the_window_fails_with_63016(twilio, twilio_sim, receiver):
    twilio_sim.configure(templates={TEMPLATE: False})

    result = twilio.send_template(PARENT, TEMPLATE, {"1": "Jane"})

    assert statuses(receiver, result.provider_id, 1)[0].reason.startswith("63016")


def test_an_unknown_template_is_refused_with_its_code(twilio, twilio_sim):
    twilio_sim.configure(templates={TEMPLATE: True})

    result = twilio.send_template(PARENT, "HX" + "b" * 32, {"1": "Jane"})

    assert not result.accepted and result.reason.startswith("21655")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_transient(twilio, twilio_sim, status):
    twilio_sim.fail(status=status)

    with pytest.raises(TransientSendError, match=f"HTTP {status}"):
        twilio.send_whatsapp(PARENT, "Hi")
    assert twilio.send_sms(PARENT, "Hi").accepted


def test_an_invalid_number_is_refused_with_21211(twilio):
    result = twilio.send_sms("+12", "Hi")

    assert not result.accepted
    assert result.reason == "21211 Invalid 'To' Phone Number: +12"


def test_a_scripted_permanent_error_is_refused_with_its_code(twilio, twilio_sim):
    twilio_sim.fail(status=400, code=21610, message="Attempt to send to unsubscribed recipient")

    result = twilio.send_sms(PARENT, "Hi")

    assert result.reason == "21610 Attempt to send to unsubscribed recipient"


def test_a_slow_answer_times_out_as_transient(twilio_sim):
    twilio_sim.fail(delay=1.5)
    impatient = TwilioMessaging(ACCOUNT, TOKEN, twilio_sim.url, "+15005550006", timeout=0.3)

    with pytest.raises(TransientSendError, match="Timeout"):
        impatient.send_sms(PARENT, "Hi")


def test_wrong_credentials_are_refused(twilio_sim):
    wrong = TwilioMessaging(ACCOUNT, "wrong-token", twilio_sim.url, "+15005550006")

    result = wrong.send_sms(PARENT, "Hi")

    assert not result.accepted and result.reason == "20003 Authenticate"
    assert twilio_sim.messages() == []


def test_an_undeliverable_number_ends_undelivered_with_30003(twilio, twilio_sim, receiver):
    twilio_sim.configure(undeliverable=[PARENT])

    sid = twilio.send_sms(PARENT, "Hi").provider_id

    final = statuses(receiver, sid, 2)[-1]
    assert (final.status, final.reason) == ("undelivered", "30003 Unreachable destination handset")


def test_without_a_callback_url_no_status_callback_is_asked_for(twilio_sim, receiver):
    quiet = TwilioMessaging(ACCOUNT, TOKEN, twilio_sim.url, "+15005550006")

    assert quiet.send_sms(PARENT, "Hi").accepted
    assert twilio_sim.messages()[0]["status_callback"] is None
