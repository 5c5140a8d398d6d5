"""Interactive WhatsApp menus through the real adapter over HTTP: Content templates created once per shape
on the simulator's Content API, sent with ContentSid and ContentVariables, their shape checked as Twilio's
content-type pages state it; the numbered text where Twilio will not take them."""

from __future__ import annotations

import httpx
import pytest

from providers.messaging import Choice, Interactive
from providers.twilio import TwilioMessaging, parse_inbound

from .test_twilio_messaging import ACCOUNT, OUTSIDE_WINDOW, PARENT, TOKEN, statuses

MENU = Interactive(
    "list",
    "Amina Wanjiku",
    tuple(
        Choice(str(n), title, str(n))
        for n, title in enumerate(["Balance", "Pay fees", "Statement", "Back"], 1)
    ),
    button="Choose",
)
BUTTONS = Interactive(
    "buttons", "Balance KES 4,500", (Choice("PAY 4500 1001", "Pay 4,500"), Choice("0", "Back"))
)
FALLBACK = "Amina Wanjiku\n1. Balance\n2. Pay fees\n3. Statement\n0 Back"


@pytest.fixture
def twilio(twilio_sim, receiver) -> TwilioMessaging:
    twilio_sim.configure(delay=0.0)
    twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "Hi"})  # the window is open
    return TwilioMessaging(
        ACCOUNT, TOKEN, twilio_sim.url, None, "+14155238886", callback_base_url=receiver.url
    )


def contents(sim) -> list[dict]:
    response = httpx.get(f"{sim.url}/v1/Content", auth=(ACCOUNT, TOKEN))
    response.raise_for_status()
    return response.json()["contents"]


def create(sim, types: dict, variables: dict | None = None) -> httpx.Response:
    body = {"friendly_name": "t", "language": "en", "variables": variables or {}, "types": types}
    return httpx.post(f"{sim.url}/v1/Content", json=body, auth=(ACCOUNT, TOKEN))


def test_a_menu_goes_as_a_list_picker_made_once_per_shape(twilio, twilio_sim, receiver):
    first = twilio.send_interactive(PARENT, MENU, FALLBACK)
    other_texts = Interactive(
        "list", "Brian Otieno", tuple(Choice(f"x{n}", f"Item {n}", "d") for n in range(4)), "Chagua"
    )
    second = twilio.send_interactive(PARENT, other_texts, FALLBACK)

    assert first.accepted and second.accepted
    [template] = contents(twilio_sim)  # one template for every four-item list
    assert template["friendly_name"].startswith("karo-list-4-")
    assert set(template["types"]) == {"twilio/list-picker"}
    sent = [m for m in twilio_sim.messages() if m["content_sid"]]
    assert [m["content_sid"] for m in sent] == [template["sid"]] * 2
    shown = sent[0]["interactive"]
    assert (
        shown["type"] == "twilio/list-picker"
        and shown["body"] == "Amina Wanjiku"
        and shown["button"] == "Choose"
    )
    assert [(i["id"], i["item"]) for i in shown["items"]] == [
        ("1", "Balance"),
        ("2", "Pay fees"),
        ("3", "Statement"),
        ("4", "Back"),
    ]
    assert sent[1]["interactive"]["items"][0]["item"] == "Item 0"
    assert [u.status for u in statuses(receiver, first.provider_id, 3)] == ["sent", "delivered", "read"]


def test_buttons_go_as_a_quick_reply(twilio, twilio_sim):
    assert twilio.send_interactive(PARENT, BUTTONS, "Balance KES 4,500").accepted
    [sent] = [m for m in twilio_sim.messages() if m["content_sid"]]
    assert sent["interactive"]["type"] == "twilio/quick-reply"
    assert sent["interactive"]["actions"] == [
        {"type": "QUICK_REPLY", "title": "Pay 4,500", "id": "PAY 4500 1001"},
        {"type": "QUICK_REPLY", "title": "Back", "id": "0"},
    ]


def test_another_process_reuses_the_template_it_finds(twilio, twilio_sim, receiver):
    twilio.send_interactive(PARENT, MENU, FALLBACK)
    restarted = TwilioMessaging(ACCOUNT, TOKEN, twilio_sim.url, None, "+14155238886")
    assert restarted.send_interactive(PARENT, MENU, FALLBACK).accepted
    assert len(contents(twilio_sim)) == 1


@pytest.mark.parametrize(
    "menu",
    [
        Interactive("list", "Too long", (Choice("1", "A title much longer than 24", "d"),), "Choose"),
        Interactive("buttons", "Four", tuple(Choice(str(n), f"B{n}") for n in range(4))),
        Interactive("buttons", "Same ids", (Choice("1", "One"), Choice("1", "Uno"))),
        Interactive("list", "Too many", tuple(Choice(str(n), f"I{n}", "d") for n in range(11)), "Choose"),
    ],
)
def test_what_twilio_refuses_goes_as_the_numbered_text(twilio, twilio_sim, menu):
    result = twilio.send_interactive(PARENT, menu, FALLBACK)

    assert result.accepted
    taken = [m for m in twilio_sim.messages() if m["accepted"]]
    assert [(m["body"], m["content_sid"]) for m in taken] == [(FALLBACK, None)]


def test_a_list_outside_the_window_fails_with_63016(twilio_sim, receiver):
    twilio_sim.configure(delay=0.0)
    twilio = TwilioMessaging(
        ACCOUNT, TOKEN, twilio_sim.url, None, "+14155238886", callback_base_url=receiver.url
    )
    result = twilio.send_interactive("+254711000999", MENU, FALLBACK)
    [update] = statuses(receiver, result.provider_id, 1)
    assert update.status == "failed" and update.reason.startswith(OUTSIDE_WINDOW)


ITEM = {"item": "Balance", "id": "1", "description": "1"}


@pytest.mark.parametrize(
    ("types", "why"),
    [
        ({"twilio/list-picker": {"body": "b", "button": "Go", "items": [ITEM] * 11}}, "1 to 10"),
        ({"twilio/list-picker": {"body": "b", "button": "Go", "items": []}}, "1 to 10"),
        ({"twilio/list-picker": {"body": "b", "button": "Go", "items": [{**ITEM, "item": "x" * 25}]}}, "24"),
        (
            {
                "twilio/list-picker": {
                    "body": "b",
                    "button": "Go",
                    "items": [{"item": "A", "description": "d"}],
                }
            },
            "id",
        ),
        (
            {
                "twilio/list-picker": {
                    "body": "b",
                    "button": "Go",
                    "items": [{**ITEM, "description": "d" * 73}],
                }
            },
            "72",
        ),
        ({"twilio/list-picker": {"body": "b", "items": [ITEM]}}, "button"),
        ({"twilio/quick-reply": {"body": "b", "actions": [{"title": "x" * 21, "id": "1"}]}}, "20"),
        ({"twilio/quick-reply": {"body": "b", "actions": [{"title": "t"}]}}, "id"),
        ({"twilio/quick-reply": {"body": "", "actions": [{"title": "t", "id": "1"}]}}, "body"),
        ({"twilio/quick-reply": {"body": "{{1}}", "actions": [{"title": "t", "id": "1"}]}}, "sample"),
    ],
)
def test_the_simulator_refuses_a_malformed_template(twilio_sim, types, why):
    response = create(twilio_sim, types)
    assert response.status_code == 400 and why in response.json()["message"]
    assert contents(twilio_sim) == []


def test_a_tap_on_a_list_item_or_a_button_reads_as_its_id(twilio_sim, receiver):
    twilio_sim.configure(whatsapp_url=receiver.url + "/twilio/whatsapp")
    twilio_sim.control(
        "POST", "inbound", **{"from": PARENT, "body": "Balance", "list_id": "1", "list_title": "Balance"}
    )
    twilio_sim.control(
        "POST", "inbound", **{"from": PARENT, "body": "Pay 4,500", "button_payload": "PAY 4500 1001"}
    )
    hits = [parse_inbound(hit.fields) for hit in receiver.at("/twilio/whatsapp")]
    assert [(m.button_payload, m.text) for m in hits] == [("1", "Balance"), ("PAY 4500 1001", "Pay 4,500")]
