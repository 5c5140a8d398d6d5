"""Africa's Talking callbacks: delivery reports, incoming SMS and opt-outs reach a receiver in AT's form
shape, and our parsers read them (and the documented shapes) into Karo's types."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from providers.africastalking import (
    AfricasTalkingSms,
    parse_delivery_report,
    parse_incoming_sms,
    parse_opt_out,
)
from providers.inbound import MalformedCallback
from providers.messaging import DeliveryUpdate

from .conftest import wait_for

PARENT = "+254711000001"
DLR_PATH = "/at/sms-status/secret"


@pytest.fixture
def sms(at_sim) -> AfricasTalkingSms:
    return AfricasTalkingSms("sandbox", "simulator-key", at_sim.url)


def wait_reports(receiver, message_id, count):
    """The delivery reports for ``message_id`` once ``count`` of them have arrived."""

    def reports():
        mine = [h.fields for h in receiver.at(DLR_PATH) if h.fields["id"] == message_id]
        return len(mine) >= count and mine

    return wait_for(reports)


def test_delivery_reports_follow_a_send_and_parse_to_sent_then_delivered(sms, at_sim, receiver):
    at_sim.configure(delivery_report_url=receiver.url + DLR_PATH, delay=0.0)

    sent = sms.send_sms(PARENT, "Receipt: KES 2,000 received", sender_id="KARO")

    reports = wait_reports(receiver, sent.provider_id, 2)
    assert [parse_delivery_report(r).status for r in reports] == ["sent", "delivered"]
    assert reports[0]["phoneNumber"] == PARENT and reports[0]["networkCode"] == "63902"


def test_duplicated_and_reordered_reports_arrive_delivered_first(sms, at_sim, receiver):
    at_sim.configure(delivery_report_url=receiver.url + DLR_PATH, delay=0.0, duplicate=True, reorder=True)

    sent = sms.send_sms(PARENT, "Hi")

    reports = wait_reports(receiver, sent.provider_id, 4)
    assert [r["status"] for r in reports] == ["Success", "Success", "Sent", "Sent"]


def test_an_undeliverable_number_gets_a_failed_report_with_its_reason(sms, at_sim, receiver):
    at_sim.configure(
        delivery_report_url=receiver.url + DLR_PATH, delay=0.0, undeliverable={PARENT: "UserIsInactive"}
    )

    sent = sms.send_sms(PARENT, "Hi")

    reports = wait_reports(receiver, sent.provider_id, 2)
    assert parse_delivery_report(reports[-1]) == DeliveryUpdate(
        "africastalking", sent.provider_id, "failed", "UserIsInactive"
    )


def test_a_report_the_receiver_fails_is_retried_like_at_does(sms, at_sim, receiver):
    at_sim.configure(delivery_report_url=receiver.url + DLR_PATH, delay=0.0, retry_delay=0.05)
    receiver.fail_next = 1

    sent = sms.send_sms(PARENT, "Hi")

    reports = wait_reports(receiver, sent.provider_id, 3)
    assert [r["status"] for r in reports] == ["Sent", "Sent", "Success"]

    def attempts():
        log = at_sim.callbacks()["attempts"]
        mine = [a["status_code"] for a in log if a["form"]["id"] == sent.provider_id]
        return len(mine) == 3 and mine

    assert wait_for(attempts) == [500, 200, 200]


def test_the_send_answer_does_not_wait_for_delivery_reports(sms, at_sim, receiver):
    at_sim.configure(delivery_report_url=receiver.url + DLR_PATH, delay=2.0)

    sms.send_sms(PARENT, "Hi")

    assert receiver.at(DLR_PATH) == []
    assert not at_sim.callbacks()["idle"]


@pytest.mark.parametrize("date_format", ["iso", "plain"])
def test_an_injected_incoming_sms_reaches_karo_in_ats_shape(at_sim, receiver, date_format):
    at_sim.configure(incoming_url=receiver.url + "/at/sms/secret")

    answer = at_sim.control("POST", "incoming", **{"from": PARENT, "text": "BAL", "date_format": date_format})

    assert answer["status_code"] == 200
    [hit] = receiver.at("/at/sms/secret")
    message = parse_incoming_sms(hit.fields)
    assert (message.provider_id, message.phone, message.text, message.to) == (
        answer["id"],
        PARENT,
        "BAL",
        "22384",
    )
    assert message.received_at.tzinfo is dt.UTC


def test_an_opt_out_is_posted_and_blacklists_the_parent(sms, at_sim, receiver):
    at_sim.configure(opt_out_url=receiver.url + "/at/opt-out/secret")

    at_sim.control("POST", "opt-out", phone=PARENT, sender_id="KARO")

    [hit] = receiver.at("/at/opt-out/secret")
    assert hit.fields == {"senderId": "KARO", "phoneNumber": PARENT}
    assert parse_opt_out(hit.fields) == PARENT
    assert sms.send_sms(PARENT, "Reminder", sender_id="KARO").reason == "UserInBlacklist (406)"


def test_control_routes_refuse_unknown_settings(at_sim):
    response = httpx.post(at_sim.url + "/_sim/config", json={"no_such_setting": 1})

    assert response.status_code == 400 and "no_such_setting" in response.json()["error"]


# Parsers on the documented shapes (AT docs; courier's handler tests).


def test_courier_incoming_payload_parses():
    form = {
        "linkId": "03090445075804249226",
        "text": "Msg",
        "to": "21512",
        "id": "ec9adc86-51a5-4bc8-8eb0-d8ab8a0e6e49",
        "date": "2017-05-03T06:04:45Z",
        "from": "+254791541111",
    }

    message = parse_incoming_sms(form)

    assert message.link_id == "03090445075804249226"
    assert message.received_at == dt.datetime(2017, 5, 3, 6, 4, 45, tzinfo=dt.UTC)
    assert parse_incoming_sms({**form, "date": "2017-05-03 06:04:45"}).received_at == message.received_at


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Success", "delivered"),
        ("Sent", "sent"),
        ("Buffered", "sent"),
        ("Submitted", "sent"),
        ("Rejected", "failed"),
        ("Failed", "failed"),
    ],
)
def test_dlr_statuses_map_to_delivery_updates(status, expected):
    assert parse_delivery_report({"id": "ATXid_1", "status": status}).status == expected


def test_a_failed_dlr_carries_its_failure_reason():
    form = {
        "id": "ATXid_1",
        "status": "Rejected",
        "failureReason": "InsufficientCredit",
        "phoneNumber": PARENT,
    }

    assert parse_delivery_report(form).reason == "InsufficientCredit"


@pytest.mark.parametrize(
    "form",
    [{"status": "Success"}, {"id": "ATXid_1"}, {"id": "ATXid_1", "status": "Teleported"}],
)
def test_malformed_dlrs_are_refused(form):
    with pytest.raises(MalformedCallback):
        parse_delivery_report(form)


def test_an_unreadable_incoming_date_is_refused():
    with pytest.raises(MalformedCallback):
        parse_incoming_sms({"id": "1", "from": PARENT, "to": "22384", "text": "x", "date": "yesterday"})
