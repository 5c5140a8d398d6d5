"""What an operator sees, end to end over HTTP: a parent pays by USSD, the push runs as an RQ job, Daraja
calls back, a parent texts, the outbox sends; ``/metrics`` counts it all, the hop and its job log under one
request id, and no log record of the whole run holds a phone number or a secret."""

from __future__ import annotations

import logging
import re
from collections import Counter

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.jobs.periodic import dispatch_outbox
from bot.jobs.worker import KaroSimpleWorker
from bot.logs import install_privacy, secret_values
from bot.settings import get_settings
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.stk_requests import RequestStatus
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    http,
    karo,
    karo_server,
    mpesa_redis,
    mpesa_settings,
    pay_by_ussd,
    payments,
    requests,
    services,
    wait_for,
    worker_environment,
)
from tests.integration.providers.conftest import at_server, at_sim  # noqa: F401

# A Kenyan mobile number in any form a log could carry: +2547..., 2547..., 07..., 01..., spaced or not.
KENYAN_PHONE = re.compile(r"(?<!\d)(?:\+?254|0)[\s-]?[17]\d{2}[\s-]?\d{3}[\s-]?\d{3}(?!\d)")
AT_KEY = "simulator-key"


@pytest.fixture
def private_logs():
    """Every record scrubbed as ``karo serve`` and ``karo worker`` do (``bot.logs.configure_logging``)."""
    before = logging.getLogRecordFactory()
    yield install_privacy
    logging.setLogRecordFactory(before)


@pytest.fixture
def operated(monkeypatch, engine, services, daraja, karo_server, at_sim):  # noqa: F811
    """Karo served over HTTP with RQ for the M-Pesa work, Africa's Talking for SMS, and the environment a
    ``karo worker`` would have (the jobs build their own Services from it)."""
    settings = mpesa_settings(karo_server.url, daraja.url).with_changes(
        at_username="sandbox", at_api_key=AT_KEY, at_api_url=at_sim.url
    )
    database_url = engine.url.render_as_string(hide_password=False)
    sender = {"KARO_AT_USERNAME": "sandbox", "KARO_AT_API_KEY": AT_KEY, "KARO_AT_API_URL": at_sim.url}
    for name, value in (worker_environment(database_url, karo_server.url, daraja.url) | sender).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    operated = bootstrap(settings, engine=engine, redis=services.redis)
    karo_server.holder.app = create_app(operated)
    yield operated
    karo_server.holder.app = None
    get_settings.cache_clear()


def scrape(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def run_scheduled_jobs(redis) -> list[Job]:
    """What RQ's scheduler does when the jobs fall due (here: now), then a burst Karo worker runs them."""
    queue = Queue("default", connection=redis)
    registry = ScheduledJobRegistry(queue=queue)
    jobs = [Job.fetch(job_id, connection=redis) for job_id in registry.get_job_ids()]
    for job in jobs:
        registry.remove(job)
        queue.enqueue_job(job)
    KaroSimpleWorker([queue], connection=redis).work(burst=True)
    return jobs


def test_a_payment_and_a_text_move_the_counters_share_request_ids_and_log_nothing_private(
    operated,
    mpesa_redis,  # noqa: F811
    daraja,  # noqa: F811
    at_sim,  # noqa: F811
    schools,
    karo_server,  # noqa: F811
    caplog,
    private_logs,
):
    private_logs(secret_values(operated.settings))
    caplog.set_level(logging.DEBUG)
    hop_ids: list[str] = []

    def keep_id(response: httpx.Response) -> None:
        if "/at/ussd/" in str(response.request.url) and response.status_code == 200:  # a 403 is no hop
            hop_ids.append(response.headers["x-request-id"])

    with httpx.Client(base_url=karo_server.url, timeout=20, event_hooks={"response": [keep_id]}) as http:  # noqa: F811
        before = scrape(http)
        assert "M-Pesa" in pay_by_ussd(http, PARENT)
        confirm_id = hop_ids[-1]
        (push_job,) = run_scheduled_jobs(mpesa_redis)
        assert push_job.meta["request_id"] == confirm_id  # the Confirm hop enqueued it
        (prompt,) = daraja.prompts(status="pending")
        daraja.resolve(prompt["checkout_request_id"], result_code=0)
        wait_for(lambda: [r for r in requests(schools) if r.status == RequestStatus.PAID])
        (payment,) = payments(schools)

        echoed = http.get("/healthz", headers={"X-Request-ID": "probe-1"}).headers["x-request-id"]
        sms = {"from": PARENT, "to": "22384", "text": "BAL", "id": "ATXid_op1", "date": "2026-11-22 10:00:00"}
        assert http.post(f"/at/sms/{TOKEN}", data=sms).status_code == 200
        assert http.post(f"/at/ussd/{TOKEN}", data={"sessionId": "x"}).status_code == 200  # no phone: refused
        assert http.post("/at/ussd/not-the-token", data={"sessionId": "y"}).status_code == 403
        sweep = Queue("default", connection=mpesa_redis).enqueue(dispatch_outbox, rate_per_second=0)
        KaroSimpleWorker(["default"], connection=mpesa_redis).work(burst=True)  # as the cron tick would run
        sent = sweep.return_value()["sent"]
        after = scrape(http)

    assert echoed == "probe-1"
    moved = {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if key[0].endswith("_total") and after[key] != before.get(key, 0.0)
    }
    ussd_hops = sum(
        v
        for (name, labels), v in moved.items()
        if name == "karo_hops_total" and ("channel", "ussd") in labels
    )
    assert ussd_hops == len(hop_ids)
    assert value(moved, "karo_hops_total", channel="ussd", outcome="refused") == 1
    assert value(moved, "karo_hops_total", channel="ussd", outcome="end") == 1  # the Confirm screen
    assert value(moved, "karo_hops_total", channel="sms", outcome="answered") == 1
    assert (
        value(after, "karo_hop_seconds_count", channel="ussd")
        - value(before, "karo_hop_seconds_count", channel="ussd")
        == ussd_hops
    )
    assert value(moved, "karo_callbacks_total", kind="stk", outcome="posted") == 1
    assert value(moved, "karo_callbacks_total", kind="token", outcome="forbidden") == 1
    assert value(moved, "karo_payments_posted_total", source="mpesa_stk") == 1
    assert sent >= 2  # the receipt and the SMS reply
    assert value(moved, "karo_sends_total", provider="africastalking", result="accepted") == sent
    assert value(moved, "karo_scheduler_ticks_total", job="dispatch_outbox") == 1
    gauge = Counter()
    for (name, labels), count in after.items():
        if name == "karo_outbox_messages":
            gauge[(dict(labels)["priority"], dict(labels)["status"])] += count
    with schools() as session:
        rows = session.execute(
            select(OutboxMessage.priority, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.priority, OutboxMessage.status
            )
        ).all()
    assert gauge == Counter({(str(p), s.value): n for p, s, n in rows}) and sum(gauge.values()) >= sent
    assert value(after, "karo_rq_jobs", queue="default", state="queued") == 0
    assert value(after, "karo_state_up") == 1
    assert payment.amount == 5_000_00

    # The Confirm hop's id is on the job's own log line, run by the worker.
    job_lines = [r for r in caplog.records if r.name == "bot.jobs.worker" and push_job.id in r.getMessage()]
    assert job_lines and {getattr(r, "request_id", None) for r in job_lines} == {confirm_id}
    pushed = [r for r in caplog.records if "processrequest" in r.getMessage() and r.name == "httpx"]
    assert pushed and {getattr(r, "request_id", None) for r in pushed} == {confirm_id}  # the job's own call

    # No record of the whole run holds a phone number or a secret, in its message or its traceback.
    secrets = [s for s in secret_values(operated.settings) if s] + [AT_KEY]
    texts = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert len(texts) > 5
    leaks = [t for t in texts if KENYAN_PHONE.search(t) or any(s in t for s in secrets)]
    assert leaks == []


def test_without_redis_the_push_timer_logs_under_the_hops_request_id(
    http,  # noqa: F811  (Karo with the M-Pesa work on in-process timers)
    daraja,  # noqa: F811
    caplog,
    private_logs,
):
    private_logs()
    caplog.set_level(logging.INFO)
    hop_ids: list[str] = []
    http.event_hooks = {"response": [lambda response: hop_ids.append(response.headers["x-request-id"])]}
    assert "M-Pesa" in pay_by_ussd(http, PARENT)
    pushed = wait_for(
        lambda: [r for r in caplog.records if r.name == "httpx" and "processrequest" in r.getMessage()]
    )
    assert {getattr(r, "request_id", None) for r in pushed} == {hop_ids[-1]}  # the Confirm hop's
