"""Moments come back from either database as the instant that was stored, aware and in UTC: SQLite keeps no
zone of its own, so without ledger.db.UtcDateTime it handed back naive wall-clock times."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.clock import NAIROBI
from ledger.messaging.outbox import Category, OutboxMessage, claim_due, enqueue

NAIROBI_MORNING = dt.datetime(2026, 2, 3, 9, 0, tzinfo=NAIROBI)  # 06:00 UTC


def queue_one_at_nine_in_nairobi(session):
    enqueue(
        session,
        dedupe_key="k1",
        phone="+254712000001",
        body="Hi",
        category=Category.RECEIPT,
        now=NAIROBI_MORNING,
    )
    session.commit()


def test_a_moment_stored_in_nairobi_time_comes_back_as_the_same_instant_in_utc(session):
    queue_one_at_nine_in_nairobi(session)
    session.expire_all()
    row = session.scalars(select(OutboxMessage)).one()
    assert row.next_attempt_at == NAIROBI_MORNING
    assert row.next_attempt_at.utcoffset() == dt.timedelta(0)


def test_a_message_due_at_nine_in_nairobi_is_due_from_six_utc(session):
    """Compared in SQL as one instant: due 06:00 UTC, so not claimable at 05:30 UTC, claimable at 06:30."""
    queue_one_at_nine_in_nairobi(session)
    assert claim_due(session, now=dt.datetime(2026, 2, 3, 5, 30, tzinfo=dt.UTC), limit=5) == []
    assert len(claim_due(session, now=dt.datetime(2026, 2, 3, 6, 30, tzinfo=dt.UTC), limit=5)) == 1
