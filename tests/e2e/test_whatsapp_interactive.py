"""WhatsApp that feels like WhatsApp, end to end over HTTP: the parent writes "hi" through the Twilio
simulator (signed webhook), gets lists and reply buttons made from Content templates, taps their way to the
balance and taps Pay: the M-Pesa prompt opens in the Daraja simulator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import Services, bootstrap
from bot.channels.conversations import RedisConversationStore
from bot.mpesa.setup import register_paybill, save_credentials
from bot.outbox.senders import build_dispatcher
from bot.settings import Settings
from ledger.records.tables import School
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    KILIMANI,
    MPESA_REDIS_URL,
    MWANGAZA,
    SECRET_KEY,
    daraja,
    daraja_server,
    http,
    karo,
    karo_server,
    mpesa_redis,
    wait_for,
)
from tests.integration.providers.conftest import twilio_server, twilio_sim  # noqa: F401

FREE = {"africastalking": 0, "twilio": 0}


@pytest.fixture
def services(engine, mpesa_redis, schools, daraja, karo_server, twilio_sim) -> Services:  # noqa: F811
    """The M-Pesa harness's Karo, with Twilio pointed at its simulator, which posts to Karo's webhook."""
    settings = Settings(
        redis_url=MPESA_REDIS_URL,
        webhook_token=TOKEN,
        public_url=karo_server.url,
        secret_key=SECRET_KEY,
        daraja_api_url=daraja.url,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="simulator-token",
        twilio_api_url=twilio_sim.url,
        twilio_whatsapp_from="+14155238886",
        twilio_sms_from="+15005550006",
    )
    services = bootstrap(settings, engine=engine, redis=mpesa_redis)
    with services.sessions.begin() as session:
        for slug, creds in (("kilimani", KILIMANI), ("mwangaza", MWANGAZA)):
            school = session.scalars(select(School).where(School.slug == slug)).one()
            save_credentials(school, creds, services.settings)
    with services.sessions() as session:
        for school in session.scalars(select(School)):
            register_paybill(services, school)
    twilio_sim.configure(delay=0.0, whatsapp_url=karo_server.url + "/twilio/whatsapp")
    return services


def reply(services: Services, twilio_sim: Any) -> dict[str, Any]:  # noqa: F811
    """Send what the outbox holds; the last message Twilio took for the parent."""
    build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE).run()
    return [m for m in twilio_sim.messages() if m["accepted"]][-1]


def tap(twilio_sim: Any, message: dict[str, Any], title: str) -> None:  # noqa: F811
    """Tap the list item or reply button titled ``title``, as WhatsApp posts it through Twilio."""
    shown = message["interactive"]
    if shown["type"] == "twilio/list-picker":
        [item] = [i for i in shown["items"] if i["item"].startswith(title)]
        fields = {"list_id": item["id"], "list_title": item["item"], "body": item["item"]}
    else:
        [action] = [a for a in shown["actions"] if a["title"].startswith(title)]
        fields = {"button_payload": action["id"], "button_text": action["title"], "body": action["title"]}
    answer = twilio_sim.control("POST", "inbound", **{"from": PARENT, **fields})
    assert answer["status_code"] == 200


def test_hi_list_balance_then_the_pay_button_opens_the_mpesa_prompt(http, services, twilio_sim, daraja):  # noqa: F811
    answer = twilio_sim.control("POST", "inbound", **{"from": PARENT, "body": "hi"})
    assert answer["status_code"] == 200

    schools = reply(services, twilio_sim)  # the phone is a guardian in two schools: which one?
    assert schools["interactive"] is not None and schools["content_sid"].startswith("HX")
    tap(twilio_sim, schools, "Kilimani")

    menu = reply(services, twilio_sim)
    assert menu["interactive"]["type"] == "twilio/list-picker"
    assert menu["interactive"]["button"] == "Choose"
    ids = [i["id"] for i in menu["interactive"]["items"]]
    assert [i.split("@")[0] for i in ids][:3] == ["1", "2", "3"]  # the key, stamped with its screen
    tap(twilio_sim, menu, "Balance")

    balance = reply(services, twilio_sim)
    assert "35,000" in balance["interactive"]["body"]
    assert balance["interactive"]["type"] == "twilio/quick-reply"
    [pay] = [a for a in balance["interactive"]["actions"] if a["id"].startswith("PAY ")]
    assert pay["title"] == "Pay 35,000"

    tap(twilio_sim, menu, "Pay fees")  # an old menu, still tappable in WhatsApp: it moves nothing
    stale = reply(services, twilio_sim)
    assert "35,000" in stale["interactive"]["body"] and stale["interactive"]["body"].startswith("Invalid")
    assert not daraja.prompts()

    tap(twilio_sim, stale, "Pay")

    [prompt] = wait_for(lambda: daraja.prompts(status="pending"))
    assert prompt["amount"] == 35_000
    told = reply(services, twilio_sim)
    assert "M-Pesa prompt" in told["body"] and told["interactive"] is None
