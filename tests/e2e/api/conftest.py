"""The school API end to end: the two e2e schools, each with a payment (and its receipt message), a
bursary and a webhook endpoint, and API keys: Kilimani's write and read keys, Mwangaza's write key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.sponsors import sponsor_named
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.messaging.webhooks import create_endpoint
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student, Term
from ledger.staff.api_keys import Scope, create_key
from tests.e2e.conftest import TODAY

# The dashboard's signed-in client and the CLI runner, for the key pages and `karo apikey`.
from tests.e2e.dashboard.conftest import clock, staffed, web  # noqa: F401
from tests.e2e.test_cli import karo, kilimani  # noqa: F401


@dataclass(frozen=True)
class Keys:
    write_a: str
    read_a: str
    write_b: str
    factory: sessionmaker[Session]

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(schools: sessionmaker[Session]) -> Keys:
    now = dt.datetime.now(dt.UTC)
    made: dict[str, str] = {}
    with transaction(schools) as session:
        for school in session.scalars(select(School).order_by(School.id)):
            pupil = session.scalars(select(Student).where(Student.school_id == school.id)).one()
            paid = Received(PaymentSource.CASH, f"CASH-{pupil.admission_no}", 1_000_00, TODAY)
            record_payment(session, school.id, paid, pupil, actor="test")
            term = session.scalars(select(Term).where(Term.school_id == school.id)).one()
            sponsor, _ = sponsor_named(session, school.id, f"CDF {school.slug}")
            award_bursary(
                session, pupil, term, sponsor, AwardTerms(amount=500_00), key="cdf", actor="test", on=TODAY
            )
            url, events = f"https://{school.slug}.example.org/karo", ["payment.received"]
            create_endpoint(session, school.id, url=url, events=events, seal=str, actor="test", now=now)
            for scope in (Scope.WRITE, Scope.READ):
                _, secret = create_key(session, school.id, f"{scope} sync", scope, actor="test", now=now)
                made[f"{scope}_{school.slug}"] = secret
    return Keys(made["write_kilimani"], made["read_kilimani"], made["write_mwangaza"], schools)


def api_client(engine: Engine, **settings: object) -> TestClient:
    return TestClient(create_app(bootstrap(Settings(**settings), engine=engine)))  # type: ignore[arg-type]


@pytest.fixture
def api(engine: Engine, keys: Keys) -> Iterator[TestClient]:
    with api_client(engine) as client:
        yield client
