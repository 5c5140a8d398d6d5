"""Fixtures for the app end to end: real Redis (database 15, flushed) and two seeded schools."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.billing.invoicing import invoice_student
from ledger.messaging.bus import session_factory
from tests import builders as b
from tests.conftest import REDIS_URL, flushed_redis
from tests.e2e.ussd_helpers import TOKEN

PARENT = "+254712000001"  # two children, in two schools
TODAY = dt.date.today()


@pytest.fixture
def redis():
    yield from flushed_redis(REDIS_URL)


@pytest.fixture
def schools(engine):
    factory = session_factory(engine)
    with factory() as session:
        made = {}
        for slug, name, code, adm, child, fee in (
            ("kilimani", "Kilimani Junior Academy", "*384*25#", "KJA-001", "Achieng Otieno", 35_000_00),
            ("mwangaza", "Mwangaza Secondary", "*384*26#", "MS-100", "Baraka Otieno", 48_000_00),
        ):
            school = b.school(session, slug=slug, paybill="522533", ussd_code=code)
            school.name = name
            term = b.term(session, school, f"{TODAY.year}-{(TODAY.month - 1) // 4 + 1}")
            term.starts_on, term.ends_on = TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=60)
            term.due_on = TODAY - dt.timedelta(days=5)
            grade = b.school_class(session, school, "Grade 6")
            b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): fee})
            pupil = b.student(session, grade, adm, child)
            b.guardian(session, school, PARENT, pupil, name="Mama Otieno")
            invoice_student(session, pupil, term, actor="test")
            made[slug] = school
        session.commit()
    return factory


@pytest.fixture
def client(engine, redis, schools):
    settings = Settings(database_url="sqlite://", redis_url=REDIS_URL, webhook_token=TOKEN)
    with TestClient(create_app(bootstrap(settings, engine=engine, redis=redis))) as client:
        yield client
