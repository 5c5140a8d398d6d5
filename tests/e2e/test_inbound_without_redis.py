"""An SMS that arrives while Redis cannot be reached is kept and acknowledged (Africa's Talking's 200, no
redelivery storm); once Redis answers again, the parent gets the reply exactly once."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.conversations import RedisConversationStore
from bot.channels.tables import InboundMessage
from bot.jobs.periodic import worker_channels
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.scheduling import Task
from bot.outbox.senders import build_dispatcher
from bot.settings import Settings
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.stk_requests import PaymentRequestRecord
from tests.e2e.conftest import PARENT
from tests.e2e.test_explicit_wiring import Recording
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.providers.conftest import at_server, at_sim  # noqa: F401
from tests.processes import free_port

FREE = {"africastalking": 0, "twilio": 0}


@pytest.fixture
def redis_port() -> Iterator[int]:
    """A port where nothing listens yet; ``start_redis`` brings a Redis up on it."""
    port = free_port()
    yield port
    for server in started:
        server.terminate()
        server.wait(timeout=10)
    started.clear()


started: list[subprocess.Popen[bytes]] = []


def start_redis(port: int) -> None:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    started.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    client = Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                return
        except OSError:
            time.sleep(0.05)
        except Exception:  # redis' ConnectionError while it starts
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def services(engine, schools, at_sim, redis_port):  # noqa: F811
    settings = Settings(
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        webhook_token=TOKEN,
        at_username="sandbox",
        at_api_key="simulator-key",
        at_api_url=at_sim.url,
    )
    return bootstrap(settings, engine=engine)


def sms(client, text, message_id):
    fields = {"from": PARENT, "to": "22384", "text": text, "id": message_id, "date": "2026-11-22 10:00:00"}
    return client.post(f"/at/sms/{TOKEN}", data=fields)


def kept(schools):
    with schools() as session:
        return session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()


def replies(schools):
    with schools() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_an_sms_while_redis_is_down_is_kept_and_answered_once_when_it_is_back(
    services,
    schools,
    at_sim,  # noqa: F811
    redis_port,  # noqa: F811
):
    with TestClient(create_app(services)) as client:
        answer = sms(client, "BAL", "ATXid_down1")
        assert (answer.status_code, answer.text) == (200, "OK")
        assert [(m.text, m.answered_at) for m in kept(schools)] == [("BAL", None)]
        assert replies(schools) == []
        assert sms(client, "BAL", "ATXid_down1").status_code == 200  # AT's redelivery: still one row
        assert len(kept(schools)) == 1

        start_redis(redis_port)
        assert (
            sms(client, "HELP", "ATXid_up1").status_code == 200
        )  # the next message: both answered, in order
        assert sms(client, "BAL", "ATXid_down1").status_code == 200  # a late redelivery changes nothing
    assert all(m.answered_at is not None for m in kept(schools))
    first, second = replies(schools)
    assert first.dedupe_key == "reply:africastalking:ATXid_down1" and "KES" in first.body
    assert second.dedupe_key == "reply:africastalking:ATXid_up1"
    build_dispatcher(services, RedisConversationStore(services.redis), rates=FREE).run()
    assert [m["to"] for m in at_sim.messages()].count(PARENT) == 2  # each answer sent once


def test_the_sweep_answers_a_kept_message_without_a_new_one(services, schools, redis_port):
    with TestClient(create_app(services)) as client:
        assert sms(client, "BAL", "ATXid_down2").status_code == 200
        start_redis(redis_port)
        assert client.app.state.inbound.answer_waiting() == 1
        assert client.app.state.inbound.answer_waiting() == 0
    (reply,) = replies(schools)
    assert reply.dedupe_key == "reply:africastalking:ATXid_down2"


def test_a_pay_kept_while_redis_was_away_gets_its_push_when_a_worker_answers_it(
    engine,
    schools,
    at_sim,  # noqa: F811
    redis_port,  # noqa: F811
):
    settings = Settings(
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        webhook_token=TOKEN,
        at_username="sandbox",
        at_api_key="simulator-key",
        at_api_url=at_sim.url,
        daraja_api_url="http://127.0.0.1:9",  # never reached: the scheduler below only notes the push
    )
    services = bootstrap(settings, engine=engine)
    with TestClient(create_app(services)) as client:
        assert sms(client, "PAY 5000 KJA-001", "ATXid_down3").status_code == 200
    start_redis(redis_port)
    pushes = Recording()
    channels = worker_channels(
        services, RedisConversationStore(services.redis), compose_mpesa(services, scheduler=pushes)
    )
    assert channels.inbound.answer_waiting() == 1  # as dispatch_outbox does on the worker
    with schools() as session:
        (request,) = session.scalars(select(PaymentRequestRecord)).all()
    assert pushes.scheduled == [(Task.PUSH, (request.id,))]
