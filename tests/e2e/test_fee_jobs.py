"""The daily fee-rules job as the worker runs it: an RQ job building its Services from the environment,
charging late fees in every school whose rules say so, for today in Nairobi; run twice, it charges once."""

from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bot.jobs.fees import apply_fee_rules, run_fee_rules
from bot.settings import get_settings
from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, EntryKind
from ledger.clock import school_day, utc_now
from ledger.messaging.bus import session_factory
from ledger.records.tables import Term
from tests import builders as b
from tests.conftest import REDIS_URL

FEES = 20_000_00


@pytest.fixture
def schools(engine):
    """Two schools, each with a pupil owing a term that fell due ten days ago; one charges late fees."""
    factory = session_factory(engine)
    today = school_day(utc_now())
    pupils = {}
    with factory() as session:
        for slug, rules in (("strict", RuleChanges(late_fee_cents=1_000_00, grace_days=3)), ("kind", None)):
            school = b.school(session, slug=slug)
            form1 = b.school_class(session, school)
            start, end, due = (today + dt.timedelta(days=n) for n in (-30, 60, -10))
            term = Term(
                school_id=school.id, year=start.year, number=1, starts_on=start, ends_on=end, due_on=due
            )
            session.add(term)
            session.flush()
            b.fees(session, term, form1, {b.vote_head(session, school, "Tuition", 10): FEES})
            pupils[slug] = b.student(session, form1, "ADM-1").id
            invoice_class(session, form1, term, actor="t")
            if rules is not None:
                set_rules(session, school.id, rules)
        session.commit()
    return factory, pupils


def late_fee_count(factory):
    with factory() as session:
        return session.scalar(select(func.count(Entry.id)).where(Entry.kind == EntryKind.LATE_FEE))


def test_the_job_charges_schools_with_a_late_fee_rule_once_per_term(schools):
    factory, pupils = schools
    first = run_fee_rules(factory, school_day(utc_now()))
    again = run_fee_rules(factory, school_day(utc_now()) + dt.timedelta(days=1))
    assert (first, again) == (
        {"schools": 1, "charged": 1, "cents": 1_000_00, "failed": 0},
        {"schools": 1, "charged": 0, "cents": 0, "failed": 0},
    )
    with factory() as session:
        assert total_owed(session, pupils["strict"]) == FEES + 1_000_00
        assert total_owed(session, pupils["kind"]) == FEES


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_an_rq_worker_runs_the_job_from_the_environment(schools, engine, monkeypatch):
    factory, pupils = schools
    monkeypatch.setenv("KARO_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KARO_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    redis = Redis.from_url(REDIS_URL)
    queue = Queue("fee-rules-test", connection=redis)
    try:
        jobs = [queue.enqueue(apply_fee_rules) for _ in range(2)]  # the scheduler fired twice
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert [job.return_value() for job in jobs] == [
            {"schools": 1, "charged": 1, "cents": 1_000_00, "failed": 0},
            {"schools": 1, "charged": 0, "cents": 0, "failed": 0},
        ]
        assert late_fee_count(factory) == 1
    finally:
        queue.empty()
        redis.close()
        get_settings.cache_clear()
