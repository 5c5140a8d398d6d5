"""Asking Twilio what it already took (``find_sent``), through the SDK's ``messages.list`` and the
simulator's ``GET Messages.json``: what recovery relies on to send nothing twice."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from providers.messaging import TransientSendError
from providers.twilio import TwilioMessaging

ACCOUNT, TOKEN = "AC" + "0" * 32, "simulator-token"
PARENT, OTHER = "+254711000001", "+254711000002"


@pytest.fixture
def twilio(twilio_sim) -> TwilioMessaging:
    twilio_sim.configure(delay=0.0)
    return TwilioMessaging(ACCOUNT, TOKEN, twilio_sim.url, "+15005550006", "+14155238886")


def now():
    return dt.datetime.now(dt.UTC)


def test_a_message_twilio_took_is_found_by_recipient_and_body(twilio):
    since = now()
    twilio.send_sms(OTHER, "Receipt: KES 4,500")
    sent = twilio.send_sms(PARENT, "Receipt: KES 4,500")
    twilio.send_sms(PARENT, "Receipt: KES 9,000")

    assert twilio.find_sent(PARENT, "Receipt: KES 4,500", since) == sent.provider_id
    assert twilio.find_sent(PARENT, "Receipt: KES 1", since) is None


def test_whatsapp_is_asked_for_by_its_whatsapp_address(twilio):
    since = now()
    sent = twilio.send_whatsapp(PARENT, "Balance: KES 35,000")

    assert twilio.find_sent(f"whatsapp:{PARENT}", "Balance: KES 35,000", since) == sent.provider_id
    assert twilio.find_sent(PARENT, "Balance: KES 35,000", since) is None  # not an SMS


def test_a_message_from_before_the_send_started_does_not_count(twilio):
    twilio.send_sms(PARENT, "Reminder: fees due")

    assert twilio.find_sent(PARENT, "Reminder: fees due", now() + dt.timedelta(minutes=5)) is None


def test_the_sdk_pages_through_a_long_list(twilio):
    since = now()
    for n in range(120):  # three pages of Twilio's default 50
        twilio.send_sms(PARENT, f"Message {n}")

    assert twilio.find_sent(PARENT, "Message 0", since) is not None


def test_the_list_has_twilios_shape_and_filters(twilio, twilio_sim):
    twilio.send_sms(PARENT, "one")
    twilio.send_sms(OTHER, "two")
    url = f"{twilio_sim.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    tomorrow = (now() + dt.timedelta(days=1)).date().isoformat()

    page = httpx.get(url, params={"To": PARENT, "PageSize": 1}, auth=(ACCOUNT, TOKEN)).json()
    assert [m["body"] for m in page["messages"]] == ["one"]
    assert page["next_page_uri"] is None and page["page_size"] == 1
    assert page["messages"][0]["date_sent"].endswith("+0000") and page["messages"][0]["sid"].startswith("SM")
    later = httpx.get(url, params={"DateSent>": tomorrow}, auth=(ACCOUNT, TOKEN)).json()
    assert later["messages"] == []
    assert httpx.get(url, auth=(ACCOUNT, "wrong")).status_code == 401


def test_when_twilio_cannot_answer_the_lookup_raises_rather_than_guess():
    twilio = TwilioMessaging(ACCOUNT, TOKEN, "http://127.0.0.1:9", "+15005550006", timeout=2)

    with pytest.raises(TransientSendError):
        twilio.find_sent(PARENT, "anything", now())
