"""Opt-outs per category honoured on every channel: a table of category x opt-out x channel, each message
written to the outbox and sent (or not) by the dispatcher through the real adapters to the Africa's Talking
and Twilio simulators over HTTP. Receipts and answers are never optional; the Africa's Talking opt-out
(the phone refused our SMS) stops SMS only. Email, the third channel, is checked by the same rule
(``ledger.records.parents.refuses``) in the unit table below."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.channels.handlers.registry import registry_from
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.senders import limiter_for
from ledger.clock import NAIROBI
from ledger.db import transaction
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, enqueue
from ledger.records.parents import refuses
from ledger.records.tables import Guardian, School
from tests.e2e.test_messaging import FREE, simulated_settings
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

CATEGORIES = (Category.REMINDER, Category.ANNOUNCEMENT, Category.RECEIPT, Category.REPLY)
OPT_OUTS = ((), ("reminders",), ("announcements",), ("announcements", "reminders"), ("all",), ("sms",))
CHANNELS = ("sms", "whatsapp", "email")
TEMPLATE = "HX" + "b" * 32


def wanted(category: str, opted_out: tuple[str, ...], channel: str) -> bool:
    """The rule as the issue states it, written out: what a parent who stopped these still gets."""
    if category == "reply":
        return True  # the answer to what they asked
    if "all" in opted_out or ("sms" in opted_out and channel == "sms"):
        return False
    return {"reminder": "reminders", "announcement": "announcements"}.get(category) not in opted_out


@pytest.mark.parametrize(
    ("category", "opted_out", "channel"), list(itertools.product(CATEGORIES, OPT_OUTS, CHANNELS))
)
def test_the_rule_on_every_channel(category: Category, opted_out: tuple[str, ...], channel: str) -> None:
    assert refuses(list(opted_out), category.value, channel) is not wanted(category.value, opted_out, channel)


@pytest.fixture
def services(engine, redis, schools, at_sim, twilio_sim):  # noqa: F811
    return bootstrap(simulated_settings(at_sim, twilio_sim), engine=engine, redis=redis)


def test_the_dispatcher_sends_only_what_each_guardian_still_wants(services, at_sim, twilio_sim):  # noqa: F811
    # Mid-morning in Nairobi, so quiet hours hold back no reminder or announcement.
    morning = dt.datetime.combine(dt.date.today(), dt.time(10), NAIROBI).astimezone(dt.UTC)
    expected: dict[str, bool] = {}
    with transaction(services.sessions) as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        for n, opted_out in enumerate(OPT_OUTS):
            phone = f"+2547130000{n:02d}"
            guardian = Guardian(
                school_id=school.id, phone=phone, name=f"Parent {n}", opted_out=list(opted_out)
            )
            session.add(guardian)
            session.flush()
            for category, channel in itertools.product(CATEGORIES, ("sms", "whatsapp")):
                body = f"{category.value} by {channel} to {phone}"
                message, _ = enqueue(
                    session,
                    dedupe_key=body,
                    phone=phone,
                    body=body,
                    category=category,
                    now=morning,
                    channel=channel,
                    school_id=school.id,
                    guardian_id=guardian.id,
                )
                if channel == "whatsapp":  # an approved template carries it outside the 24-hour window
                    message.template_id, message.template_vars = TEMPLATE, {"1": body}
                expected[body] = wanted(category.value, opted_out, channel)
            # Written without its guardian (as a school-wide message might be): matched by phone all the same.
            unlinked = f"announcement by sms to {phone}, unlinked"
            enqueue(session, dedupe_key=unlinked, phone=phone, body=unlinked, category=Category.ANNOUNCEMENT,
                    now=morning, channel="sms", school_id=school.id)  # fmt: skip
            expected[unlinked] = wanted("announcement", opted_out, "sms")
    dispatcher = Dispatcher(services.sessions, registry_from(services.settings), limiter_for(services, FREE),
                            lambda: morning)  # fmt: skip
    report = dispatcher.run()
    assert (report.sent, report.refused) == (sum(expected.values()), len(expected) - sum(expected.values()))
    by_sms = {m["message"] for m in at_sim.messages()}
    by_whatsapp = {m["content_variables"] for m in twilio_sim.messages()}
    for body, goes in expected.items():
        on_its_channel = body in by_sms if " by sms " in body else f'{{"1": "{body}"}}' in by_whatsapp
        assert on_its_channel is goes, body
    with services.sessions() as session:
        for row in session.scalars(select(OutboxMessage)):
            if expected[row.body]:
                assert row.status == MessageStatus.SENT, row.body
            else:
                assert (row.status, row.failure_reason) == (
                    MessageStatus.FAILED,
                    "not sent: the parent opted out",
                ), row.body
