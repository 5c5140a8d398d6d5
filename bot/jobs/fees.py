"""The daily fee-rules job: late fees for every school, for today in Nairobi (a plain RQ job function).

Safe to run as often as the scheduler likes: each late fee is posted once per term and student, so a
second run the same day (or one racing the first) posts nothing. Each school is its own transaction, so
one school's failure neither undoes nor blocks the others; it is logged and the run goes on.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import bootstrap
from bot.settings import get_settings
from ledger.billing.fee_rules import FeeRules
from ledger.billing.late_fees import apply_late_fees
from ledger.clock import school_day, utc_now
from ledger.db import transaction

ACTOR = "schedule"
log = logging.getLogger(__name__)


def apply_fee_rules() -> dict[str, int]:
    """RQ job (daily): apply late fees in every school with a late-fee rule, for today in Nairobi."""
    services = bootstrap(get_settings())
    try:
        return run_fee_rules(services.sessions, school_day(utc_now()))
    finally:
        services.close()


def run_fee_rules(sessions: sessionmaker[Session], today: dt.date) -> dict[str, int]:
    """Late fees for ``today`` in every school whose rules charge one; returns what was done."""
    charging = (FeeRules.late_fee_cents > 0) | (FeeRules.late_fee_bp > 0)
    with sessions() as session:
        school_ids = list(
            session.scalars(select(FeeRules.school_id).where(charging).order_by(FeeRules.school_id))
        )
    done = {"schools": 0, "charged": 0, "cents": 0, "failed": 0}
    for school_id in school_ids:
        try:
            with transaction(sessions) as session:
                run = apply_late_fees(session, school_id, today, actor=ACTOR)
        except Exception:  # one school's trouble must not stop the others' late fees; it is logged
            log.exception("late fees failed for school %s on %s", school_id, today)
            done["failed"] += 1
            continue
        done["schools"] += 1
        done["charged"] += run.charged
        done["cents"] += run.total
    return done
