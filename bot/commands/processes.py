"""Long-running processes: the web server, the RQ worker and cron scheduler; and migrations."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

import click
import uvicorn
from redis import Redis
from redis.exceptions import RedisError

from bot.commands.support import Refused
from bot.logs import configure_logging, secret_values, uvicorn_log_config
from bot.metrics import MULTIPROC_DIR
from bot.settings import Settings, load_settings_or_exit

if TYPE_CHECKING:
    from rq.cron import CronScheduler

QUEUES = ("default",)
WORKER_START_SECONDS = 60


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    envvar="WEB_CONCURRENCY",
    type=click.IntRange(1, 64),
    help="Worker processes (sessions and locks live in Redis, so they share the load).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app (webhooks, dashboard, health checks) with uvicorn."""
    settings = load_settings_or_exit()  # a malformed setting stops here, in one line, before uvicorn starts
    if workers > 1 and settings.redis_url is None:
        raise Refused(
            "--workers above 1 needs KARO_REDIS_URL: without it each process keeps its own sessions"
        )
    configure_logging(secret_values(settings))
    made = None
    if workers > 1 and not os.environ.get(MULTIPROC_DIR):
        # Each worker process counts on its own; /metrics adds up the files they write here.
        made = os.environ[MULTIPROC_DIR] = tempfile.mkdtemp(prefix="karo-metrics-")
    try:
        _serve(host, port, workers)
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _serve(host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "bot.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        proxy_headers=True,
        workers=workers,
        log_config=uvicorn_log_config(),
        # Each worker process imports the whole `karo` command before it can answer uvicorn's health check:
        # on a busy machine that takes longer than uvicorn's 5 s, which kills and restarts it for ever.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )


@click.command()
def worker() -> None:
    """Run an RQ worker on the "default" queue of KARO_REDIS_URL."""
    from bot.jobs.lifeline import children_die_with_me
    from bot.jobs.worker import KaroWorker

    children_die_with_me()  # its work horse and scheduler: none may go on sending after a SIGKILL
    settings = load_settings_or_exit()
    configure_logging(secret_values(settings))
    connection = queue_connection(settings, "worker")
    KaroWorker(list(QUEUES), connection=connection).work(with_scheduler=True, logging_level="INFO")


@click.command()
@click.option(
    "--lease",
    "lease_seconds",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 600),
    help="Seconds a leader's lease lasts: a standby takes over this long after the leader died.",
)
def scheduler(lease_seconds: float) -> None:
    """Run RQ's cron scheduler, which enqueues Karo's periodic jobs on KARO_REDIS_URL.

    Several may run (a standby on another machine): one leads and enqueues, the others wait to take over.
    """
    from bot.jobs.leader import LeaderCronScheduler

    settings = load_settings_or_exit()
    configure_logging(secret_values(settings))
    cron = LeaderCronScheduler(queue_connection(settings, "scheduler"), lease_seconds=lease_seconds)
    register_cron_jobs(cron)
    cron.start()  # type: ignore[no-untyped-call]  # rq 3.0 leaves start() unannotated


OUTBOX_SWEEP_SECONDS = 15  # how long a queued message (or a retry that fell due) waits for a worker at most


def register_cron_jobs(cron: CronScheduler) -> None:
    """Karo's periodic jobs: the outbox sweep, the STK request sweep, late fees and reminder campaigns."""
    from bot.jobs.daily_close import DAILY_CLOSE_SECONDS, send_daily_closes
    from bot.jobs.fees import apply_fee_rules
    from bot.jobs.periodic import dispatch_outbox, send_reminders
    from bot.jobs.retention import PURGE_CRON, purge_old_data
    from bot.jobs.schedule import FEE_RULES_CRON, REMINDERS_SECONDS, STK_SWEEP_SECONDS
    from bot.mpesa.jobs import sweep_stk_requests
    from bot.webhooks_out.compose import DELIVER_EVERY_SECONDS, deliver_webhooks

    cron.register(dispatch_outbox, queue_name=QUEUES[0], interval=OUTBOX_SWEEP_SECONDS, job_timeout=600)
    cron.register(sweep_stk_requests, queue_name=QUEUES[0], interval=STK_SWEEP_SECONDS, job_timeout=300)
    cron.register(send_reminders, queue_name=QUEUES[0], interval=REMINDERS_SECONDS, job_timeout=1800)
    cron.register(apply_fee_rules, queue_name=QUEUES[0], cron=FEE_RULES_CRON, job_timeout=1800)
    cron.register(send_daily_closes, queue_name=QUEUES[0], interval=DAILY_CLOSE_SECONDS, job_timeout=600)
    cron.register(deliver_webhooks, queue_name=QUEUES[0], interval=DELIVER_EVERY_SECONDS, job_timeout=600)
    cron.register(purge_old_data, queue_name=QUEUES[0], cron=PURGE_CRON, job_timeout=1800)


def queue_connection(settings: Settings, process: str) -> Redis:
    """A Redis client for RQ (no read timeout: workers block waiting for jobs), checked with PING."""
    if settings.redis_url is None:
        raise Refused(f"the {process} needs KARO_REDIS_URL (without it jobs run inside `karo serve`)")
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        connection.ping()
    except RedisError as error:
        raise Refused(f"KARO_REDIS_URL: cannot reach Redis ({error})") from None
    return connection


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Migrate KARO_DATABASE_URL to the latest schema (safe to run again)."""
    from bot.migrate import upgrade_url

    upgrade_url(load_settings_or_exit().database_url)
    click.echo("Database is up to date.")
