"""The daily retention purge (``bot.privacy.retention``): once a day from ``karo scheduler``, or in-process
when there is no Redis. Idempotent: a second run the same day removes nothing more."""

from __future__ import annotations

import datetime as dt
import logging

from bot.bootstrap import Services, bootstrap
from bot.privacy.retention import Purged, purge
from bot.settings import get_settings
from ledger.db import transaction

log = logging.getLogger(__name__)

PURGE_CRON = "30 0 * * *"  # 03:30 in Nairobi, before the morning's late fees and reminders
PURGE_SECONDS = 24 * 60 * 60


def run_purge(services: Services, *, now: dt.datetime | None = None) -> Purged:
    now = now or dt.datetime.now(dt.UTC)
    with transaction(services.sessions) as session:
        purged = purge(session, now)
    log.info("retention purge: %s", purged)
    return purged


def purge_old_data(at: str | None = None) -> int:
    """The RQ job: ``run_purge`` with services from the environment; ``at`` (ISO 8601) as if then."""
    services = bootstrap(get_settings())
    try:
        return run_purge(services, now=dt.datetime.fromisoformat(at) if at else None).total
    finally:
        services.close()
