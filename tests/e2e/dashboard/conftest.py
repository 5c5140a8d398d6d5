"""The dashboard end to end: the app through TestClient over https, two schools each with staff, and a
clock the test moves (login throttling is tested without sleeping)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.dashboard.passwords import Passwords
from bot.settings import Settings
from ledger.db import transaction
from ledger.records.tables import School
from ledger.staff.members import Role, create_staff

PASSWORD = "correct horse battery"
BURSAR_A = "bursar@kilimani.ac.ke"
HEAD_A = "head@kilimani.ac.ke"
CLERK_A = "clerk@kilimani.ac.ke"
BURSAR_B = "bursar@mwangaza.ac.ke"
# Argon2 at its cheapest: the tests check what is hashed and verified, not how slowly.
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.now(dt.UTC))


@pytest.fixture
def staffed(schools: sessionmaker[Session], clock: Clock) -> sessionmaker[Session]:
    """The e2e schools: Kilimani with a bursar, a head and a clerk; Mwangaza with a bursar."""
    with transaction(schools) as session:
        by_slug = {s.slug: s for s in session.scalars(select(School))}
        for slug, email, role in (
            ("kilimani", BURSAR_A, Role.BURSAR),
            ("kilimani", HEAD_A, Role.HEAD),
            ("kilimani", CLERK_A, Role.CLERK),
            ("mwangaza", BURSAR_B, Role.BURSAR),
        ):
            create_staff(session, by_slug[slug].id, email, role, FAST.hash(PASSWORD), now=clock.now)
    return schools


def dashboard_client(engine: Engine, clock: Clock, base_url: str = "https://testserver") -> TestClient:
    settings = Settings(database_url="sqlite://", secret_key="dashboard-test-secret")
    app = create_app(bootstrap(settings, engine=engine))
    app.state.dashboard.clock = clock
    app.state.dashboard.passwords = FAST
    return TestClient(app, base_url=base_url, follow_redirects=False)


@pytest.fixture
def web(engine: Engine, staffed: sessionmaker[Session], clock: Clock) -> Iterator[TestClient]:
    """A browser that has not signed in."""
    with dashboard_client(engine, clock) as client:
        yield client


@pytest.fixture
def bursar(web: TestClient) -> TestClient:
    """Kilimani's bursar, signed in."""
    assert sign_in(web, BURSAR_A).status_code == 303
    return web


def csrf_of(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF field on {page.url}"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/dashboard/login"))
    form = {"email": email, "password": password, "csrf_token": token}
    return client.post("/dashboard/login", data=form)


def post_form(
    client: TestClient, url: str, data: dict[str, str], *, from_page: str = "/dashboard"
) -> httpx.Response:
    """Post ``data`` with the CSRF token a page of this session carries, as the browser would."""
    token = csrf_of(client.get(from_page))
    return client.post(url, data={**data, "csrf_token": token})
