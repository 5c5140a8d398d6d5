"""A school's own SMS sender ID (set on the settings page) is the `from` of its messages on Africa's
Talking, through the real adapter over HTTP to the simulator; a school without one sends as Karo does."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.channels.conversations import RedisConversationStore
from bot.outbox.senders import build_dispatcher
from bot.settings import Settings
from ledger.db import transaction
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, enqueue
from ledger.records.tables import School
from tests.conftest import REDIS_URL
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.providers.conftest import at_server, at_sim  # noqa: F401

FREE = {"africastalking": 0, "twilio": 0}


@pytest.fixture
def services(engine, redis, schools, at_sim):  # noqa: F811
    settings = Settings(
        redis_url=REDIS_URL,
        webhook_token=TOKEN,
        at_username="sandbox",
        at_api_key="simulator-key",
        at_api_url=at_sim.url,
    )
    return bootstrap(settings, engine=engine, redis=redis)


def test_each_school_sends_from_its_own_sender_id(services, schools, at_sim):  # noqa: F811
    at_sim.configure(sender_ids=["KARO", "KILIMANI"])
    now = dt.datetime.now(dt.UTC)
    with transaction(schools) as session:
        by_slug = {s.slug: s for s in session.scalars(select(School))}
        by_slug["kilimani"].sms_sender_id = "KILIMANI"  # Mwangaza has none
        for slug, phone in (("kilimani", "+254711000001"), ("mwangaza", "+254711000002")):
            enqueue(
                session,
                dedupe_key=f"notice:{slug}",
                phone=phone,
                body=f"A notice from {slug}",
                category=Category.RECEIPT,  # not bulk: quiet hours do not hold it
                now=now,
                channel="sms",
                school_id=by_slug[slug].id,
            )
    build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE).run()
    sent = {m["to"]: m["from"] for m in at_sim.messages()}
    assert sent == {"+254711000001": "KILIMANI", "+254711000002": None}
    with schools() as session:
        statuses = {m.phone: m.status for m in session.scalars(select(OutboxMessage))}
    assert set(statuses.values()) == {MessageStatus.SENT}
