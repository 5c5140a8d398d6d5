"""Running reminder campaigns: for one school or all, now or as if at another moment, for real or dry.

Each school is planned in one read, then written in batches of families, each batch its own transaction:
a worker killed mid-campaign leaves whole batches behind it, and the next run (the scheduler's, or by hand)
plans again and writes only what is missing, since every reminder is keyed by family, term and day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.bootstrap import Services
from ledger.db import transaction
from ledger.messaging.campaigns import write_campaign
from ledger.messaging.reminder_plans import Campaign, plan_campaign
from ledger.records.tables import School

log = logging.getLogger(__name__)

BATCH = 500  # families written per transaction


@dataclass
class RunReport:
    """What a run did, school by school."""

    campaigns: list[Campaign] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # school slug -> reminders newly written

    @property
    def total_written(self) -> int:
        return sum(self.written.values())


def run_reminders(
    services: Services,
    *,
    now: dt.datetime | None = None,
    school_slug: str | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
) -> RunReport:
    """Plan (and unless ``dry_run``, write) today's reminders for one school or every school."""
    now = now or dt.datetime.now(dt.UTC)
    report = RunReport()
    for school_id, slug in _schools(services, school_slug):
        with services.sessions() as session:
            school = session.get_one(School, school_id)
            campaign = plan_campaign(session, school, now)
            session.expunge_all()  # the plan is read; nothing of it is written through this session
        report.campaigns.append(campaign)
        if not dry_run and campaign.halted is None:
            report.written[slug] = _write(services, campaign, now, batch)
    return report


def _schools(services: Services, slug: str | None) -> list[tuple[int, str]]:
    with services.sessions() as session:
        query = select(School.id, School.slug).order_by(School.id)
        if slug is not None:
            query = query.where(School.slug == slug)
        return [(school_id, found) for school_id, found in session.execute(query)]


def _write(services: Services, campaign: Campaign, now: dt.datetime, batch: int) -> int:
    templates = services.settings.whatsapp_reminder_templates
    written = 0
    for start in range(0, len(campaign.planned), batch):
        chunk = campaign.planned[start : start + batch]
        with transaction(services.sessions) as session:
            written += write_campaign(session, campaign.school, chunk, now=now, templates=templates)
    log.info("reminders for %s: %d planned, %d new", campaign.school.slug, len(campaign.planned), written)
    return written
