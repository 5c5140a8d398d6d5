"""RQ jobs: plain importable functions; the worker process builds its Services from the environment."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from bot.bootstrap import Services, bootstrap
from bot.channels.compose import Channels, compose_channels
from bot.channels.conversations import ConversationStore, RedisConversationStore
from bot.mpesa.compose import compose_mpesa, push_scheduler
from bot.mpesa.desk import MpesaDesk
from bot.outbox.dispatcher import CLAIM_BATCH
from bot.outbox.senders import RATES, build_dispatcher
from bot.settings import get_settings


def dispatch_outbox(batch: int = CLAIM_BATCH, rate_per_second: float | None = None) -> dict[str, int]:
    """Send every due outbox message (after settling what a dead worker left half-done); return the counts.

    ``rate_per_second`` replaces every provider's default rate (0 lifts the limit): for load tests and
    for a deployment whose provider granted more.
    """
    services = bootstrap(get_settings())
    try:
        if services.redis is None:
            raise RuntimeError("dispatch_outbox runs under an RQ worker, which needs KARO_REDIS_URL")
        rates = None if rate_per_second is None else dict.fromkeys(RATES, rate_per_second)
        store = RedisConversationStore(services.redis)
        worker_channels(services, store).inbound.answer_waiting()  # messages kept while Redis was away
        dispatcher = build_dispatcher(services, store, rates)
        requeued, found, review = dispatcher.recover(dispatcher.channels.lookups())
        recovered = {"requeued": requeued, "found_sent": found, "left_for_review": review}
        return recovered | asdict(dispatcher.run(batch=batch))
    finally:
        services.close()


def worker_channels(services: Services, store: ConversationStore, mpesa: MpesaDesk | None = None) -> Channels:
    """The channels a worker answers kept messages with, wired to an M-Pesa desk as the app's are: a PAY
    kept while Redis was away and answered here gets its STK push, not a request left to time out."""
    desk = mpesa if mpesa is not None else compose_mpesa(services)
    return compose_channels(services, store, schedule_push=push_scheduler(desk))


def send_reminders(at: str | None = None) -> dict[str, int]:
    """Queue today's fee reminders for every school (the scheduler runs this every half hour).

    ``at`` (ISO 8601) plans as if it were then. Returns reminders newly written, per school slug.
    """
    from bot.jobs.campaigns import run_reminders

    services = bootstrap(get_settings())
    try:
        now = dt.datetime.fromisoformat(at) if at else None
        return run_reminders(services, now=now).written
    finally:
        services.close()
