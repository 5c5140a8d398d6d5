"""With Redis, the push and its queries are RQ jobs: scheduled ``enqueue_in`` a few seconds (then a minute)
ahead, run by a worker that builds its own Services from the environment, as ``karo worker`` does."""

from __future__ import annotations

import datetime as dt

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from bot.app import create_app
from bot.settings import get_settings
from ledger.payments.stk_requests import RequestStatus
from tests.e2e.conftest import PARENT
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    karo_server,
    mpesa_redis,
    pay_by_ussd,
    payments,
    requests,
    services,
    wait_for,
    worker_environment,
)


@pytest.fixture
def worker_env(monkeypatch, engine, services, daraja, karo_server):  # noqa: F811
    """The environment ``karo worker`` would have: the same database, Redis, Daraja and public URL."""
    database_url = engine.url.render_as_string(hide_password=False)
    for name, value in worker_environment(database_url, karo_server.url, daraja.url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    app = create_app(services)  # Redis configured: the M-Pesa work goes to RQ
    karo_server.holder.app = app
    yield app
    karo_server.holder.app = None
    get_settings.cache_clear()


def scheduled(redis):
    registry = ScheduledJobRegistry(queue=Queue("default", connection=redis))
    jobs = [Job.fetch(job_id, connection=redis) for job_id in registry.get_job_ids()]
    return [(job.func_name, job.args, registry.get_scheduled_time(job)) for job in jobs]


def run_due_now(redis):
    """What RQ's scheduler does when the time comes (here: now), then a burst worker runs the jobs."""
    queue = Queue("default", connection=redis)
    registry = ScheduledJobRegistry(queue=queue)
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=redis)
        registry.remove(job)
        queue.enqueue_job(job)
    SimpleWorker([queue], connection=redis).work(burst=True)


def test_the_worker_sends_the_push_then_the_query_recovers_a_lost_callback(
    worker_env,
    mpesa_redis,  # noqa: F811
    daraja,  # noqa: F811
    schools,
    karo_server,  # noqa: F811
):
    import httpx

    with httpx.Client(base_url=karo_server.url, timeout=20) as http:
        pay_by_ussd(http, PARENT)
    ((func, args, at),) = scheduled(mpesa_redis)
    (request,) = requests(schools)
    assert (func, args, request.status) == (
        "bot.mpesa.jobs.send_stk_push",
        (request.id,),
        RequestStatus.PENDING,
    )
    assert dt.timedelta(seconds=2) < at - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=5)

    run_due_now(mpesa_redis)
    (prompt,) = daraja.prompts(status="pending")
    assert requests(schools)[0].status == RequestStatus.SENT
    ((func, args, at),) = scheduled(mpesa_redis)
    assert (func, args) == ("bot.mpesa.jobs.query_stk", (request.id, 0))
    assert dt.timedelta(seconds=50) < at - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=60)

    run_due_now(mpesa_redis)  # still pending on the phone: the next query is scheduled
    ((func, args, _),) = scheduled(mpesa_redis)
    assert (func, args) == ("bot.mpesa.jobs.query_stk", (request.id, 1))

    daraja.resolve(prompt["checkout_request_id"], result_code=0, callback="drop")
    run_due_now(mpesa_redis)
    (request,) = requests(schools)
    (payment,) = payments(schools)
    assert request.status == RequestStatus.PAID and payment.reference.startswith("STK-")
    assert scheduled(mpesa_redis) == []
