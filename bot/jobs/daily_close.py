"""The end-of-day summary by SMS for every school that asked for it: run by the scheduler every quarter
hour (``karo scheduler``, or in-process with the reminders), writing each school's close once its close hour
has come (``ledger.messaging.daily_close_notices``). A run repeated the same day writes nothing new."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from bot.bootstrap import Services, bootstrap
from bot.settings import get_settings
from ledger.db import transaction
from ledger.messaging.daily_close_notices import write_daily_close
from ledger.records.tables import School

log = logging.getLogger(__name__)

DAILY_CLOSE_SECONDS = 15 * 60  # the summary goes within a quarter hour of the school's close hour


def run_daily_closes(services: Services, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the due summaries, school by school (each in its own transaction); new messages per slug."""
    now = now or dt.datetime.now(dt.UTC)
    with services.sessions() as session:
        query = select(School.id, School.slug).where(School.close_phones.is_not(None)).order_by(School.id)
        schools = list(session.execute(query))
    written = {}
    for school_id, slug in schools:
        with transaction(services.sessions) as session:
            written[slug] = write_daily_close(session, session.get_one(School, school_id), now)
        if written[slug]:
            log.info("daily close for %s: %d messages", slug, written[slug])
    return written


def send_daily_closes(at: str | None = None) -> dict[str, int]:
    """The RQ job: ``run_daily_closes`` with services from the environment; ``at`` (ISO 8601) as if then."""
    services = bootstrap(get_settings())
    try:
        return run_daily_closes(services, now=dt.datetime.fromisoformat(at) if at else None)
    finally:
        services.close()
