"""A school's own Twilio SMS number and WhatsApp sender: its messages go `From` them, through the real
adapter over HTTP to the Twilio simulator, while a school without them sends from the deployment's; a parent
who writes to a school's own number is answered as that school, from that number. Set with
`karo school senders` and on the dashboard's profile page (tests/e2e/dashboard/test_settings.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.conversations import RedisConversationStore
from bot.cli import cli
from bot.outbox.senders import build_dispatcher
from bot.settings import Settings, get_settings
from ledger.db import transaction
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.records.profile import checked_senders, save_senders
from ledger.records.tables import School
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.providers.conftest import twilio_server, twilio_sim  # noqa: F401

PUBLIC_URL = "https://karo.example"
TWILIO_TOKEN = "simulator-token"
SHARED_SMS, SHARED_WHATSAPP = "+15005550006", "+14155238886"
KILIMANI_SMS, KILIMANI_WHATSAPP = "+15005550010", "+254709000111"
TEMPLATE = "HX" + "a" * 32
FREE = {"africastalking": 0, "twilio": 0}


@pytest.fixture
def services(engine, redis, schools, twilio_sim):  # noqa: F811
    """Twilio alone: SMS and WhatsApp both through it (no Africa's Talking)."""
    settings = Settings(
        redis_url=REDIS_URL,
        webhook_token=TOKEN,
        public_url=PUBLIC_URL,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_api_url=twilio_sim.url,
        twilio_whatsapp_from=SHARED_WHATSAPP,
        twilio_sms_from=SHARED_SMS,
    )
    twilio_sim.configure(whatsapp_senders=[KILIMANI_WHATSAPP])  # the school's own, on Karo's account
    services = bootstrap(settings, engine=engine, redis=redis)
    with transaction(services.sessions) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        save_senders(session, kilimani, checked_senders(KILIMANI_SMS, f"whatsapp:{KILIMANI_WHATSAPP}"))
    return services


def school_ids(services) -> dict[str, int]:
    with services.sessions() as session:
        return {slug: id_ for slug, id_ in session.execute(select(School.slug, School.id))}


def dispatch(services):
    return build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE).run()


def test_each_schools_messages_go_from_its_own_twilio_numbers(services, twilio_sim):  # noqa: F811
    ids, now = school_ids(services), dt.datetime.now(dt.UTC)
    with transaction(services.sessions) as session:
        for slug, channel in (
            ("kilimani", "sms"),
            ("kilimani", "whatsapp"),
            ("mwangaza", "sms"),
            ("mwangaza", "whatsapp"),
        ):
            message, _ = enqueue(
                session,
                dedupe_key=f"receipt:{slug}:{channel}",
                phone=PARENT,
                body=f"A receipt from {slug} by {channel}",
                category=Category.RECEIPT,
                now=now,
                channel=channel,
                school_id=ids[slug],
            )
            if channel == "whatsapp":  # outside the 24-hour window: an approved template carries it
                message.template_id, message.template_vars = TEMPLATE, {"1": slug}
    assert dispatch(services).sent == 4
    sent = {(m["body"] or m["content_variables"], m["from"]) for m in twilio_sim.messages()}
    assert sent == {
        ("A receipt from kilimani by sms", KILIMANI_SMS),
        ('{"1": "kilimani"}', f"whatsapp:{KILIMANI_WHATSAPP}"),
        ("A receipt from mwangaza by sms", SHARED_SMS),
        ('{"1": "mwangaza"}', f"whatsapp:{SHARED_WHATSAPP}"),
    }


def test_a_whatsapp_sender_the_account_does_not_have_is_refused_and_recorded(services, twilio_sim):  # noqa: F811
    twilio_sim.configure(whatsapp_senders=[])  # the school's number was never registered with Twilio
    with transaction(services.sessions) as session:
        message, _ = enqueue(
            session,
            dedupe_key="receipt:unregistered",
            phone=PARENT,
            body="A receipt",
            category=Category.RECEIPT,
            now=dt.datetime.now(dt.UTC),
            channel="whatsapp",
            school_id=school_ids(services)["kilimani"],
        )
        message.template_id = TEMPLATE
    assert dispatch(services).refused == 1
    with services.sessions() as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
    assert row.failure_reason is not None and row.failure_reason.startswith("63007")


def twilio_post(app: TestClient, path: str, **fields: str):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, fields)
    response = app.post(path, data=fields, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


def test_writing_to_a_schools_own_whatsapp_number_reaches_that_school_and_is_answered_from_it(
    services,
    twilio_sim,  # noqa: F811
):
    with TestClient(create_app(services)) as app:
        for sid, to in (("SM100", KILIMANI_WHATSAPP), ("SM101", SHARED_WHATSAPP)):
            twilio_post(
                app,
                "/twilio/whatsapp",
                From=f"whatsapp:{PARENT}",
                To=f"whatsapp:{to}",
                Body="hi",
                MessageSid=sid,
                AccountSid="AC" + "0" * 32,
                NumMedia="0",
            )
    with services.sessions() as session:
        own, shared = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert own.school_id == school_ids(services)["kilimani"] and shared.school_id is None
    # The parent is in two schools: the shared number asks which, the school's own goes straight to it.
    assert own.body.startswith("Achieng Otieno\n1. Balance") and "Mwangaza" not in own.body
    assert "Kilimani Junior Academy" in shared.body and "Mwangaza Secondary" in shared.body
    dispatch(services)
    froms = {m["body"].splitlines()[0]: m["from"] for m in twilio_sim.messages()}
    assert froms["Achieng Otieno"] == f"whatsapp:{KILIMANI_WHATSAPP}"
    assert set(froms.values()) == {f"whatsapp:{KILIMANI_WHATSAPP}", f"whatsapp:{SHARED_WHATSAPP}"}


def test_karo_school_senders_sets_checks_and_clears_the_numbers(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KARO_DATABASE_URL", f"sqlite:///{tmp_path / 'karo.db'}")
    monkeypatch.delenv("KARO_REDIS_URL", raising=False)

    def karo(*args: str):
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args), prog_name="karo")

    assert karo("db", "upgrade").exit_code == 0
    for slug in ("kilimani", "mwangaza"):
        assert karo("school", "create", "--slug", slug, "--name", slug.title()).exit_code == 0
    done = karo("school", "senders", "--school", "kilimani", "--twilio-sms-from", "+1 500 555 0010",
                "--twilio-whatsapp-from", "whatsapp:+254709000111")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "kilimani: SMS from +15005550010, WhatsApp from +254709000111"
    taken = karo("school", "senders", "--school", "mwangaza", "--twilio-sms-from", "+15005550010")
    assert taken.exit_code != 0 and "already belongs to another school" in taken.output
    bad = karo("school", "senders", "--school", "mwangaza", "--twilio-whatsapp-from", "0709 000 111")
    assert bad.exit_code != 0 and "country code" in bad.output
    cleared = karo("school", "senders", "--school", "kilimani", "--twilio-sms-from", "")
    assert cleared.output.strip() == "kilimani: SMS from Karo's, WhatsApp from +254709000111"
    get_settings.cache_clear()
