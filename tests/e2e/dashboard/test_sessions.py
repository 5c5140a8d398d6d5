"""A session ends for real: a cookie copied before signing out (or before a password change or the account
being disabled) opens nothing; and the login throttle holds when wrong passwords arrive all at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.dashboard.cookies import COOKIE
from bot.dashboard.passwords import Passwords
from bot.settings import Settings
from ledger.db import transaction
from ledger.staff.members import (
    FREE_TRIES_ACCOUNT,
    FREE_TRIES_ADDRESS,
    LoginFailures,
    change_password,
    disable_staff,
    find_staff,
)
from tests.conftest import REDIS_URL
from tests.e2e.dashboard.conftest import BURSAR_A, FAST, PASSWORD, Clock, csrf_of, post_form, sign_in

ATTEMPTS = 40


def copied_session(client: TestClient) -> str:
    cookie = client.cookies.get(COOKIE)
    assert cookie is not None
    return cookie


def as_thief(client: TestClient, cookie: str, page: str = "/dashboard") -> int:
    """The status of ``page`` asked for with nothing but a copied session cookie."""
    thief = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    answer = thief.get(page, headers={"Cookie": f"{COOKIE}={cookie}"})
    assert answer.status_code == 200 or answer.headers["location"].startswith("/dashboard/login")
    return answer.status_code


PAGES = ("/dashboard", "/dashboard/students", "/dashboard/imports", "/dashboard/audit")


def test_a_cookie_copied_before_signing_out_opens_nothing_after(bursar: TestClient) -> None:
    copied = copied_session(bursar)
    assert [as_thief(bursar, copied, page) for page in PAGES] == [200] * len(PAGES)
    assert post_form(bursar, "/dashboard/logout", {}).status_code == 303
    assert [as_thief(bursar, copied, page) for page in PAGES] == [303] * len(PAGES)


def test_signing_in_again_after_signing_out_works(bursar: TestClient) -> None:
    post_form(bursar, "/dashboard/logout", {})
    assert sign_in(bursar, BURSAR_A).status_code == 303
    assert bursar.get("/dashboard").status_code == 200
    assert as_thief(bursar, copied_session(bursar)) == 200


@pytest.mark.parametrize("change", ["password", "disabled"])
def test_a_password_change_or_disabling_ends_every_session_of_that_member(
    bursar: TestClient, staffed: sessionmaker[Session], change: str
) -> None:
    copied = copied_session(bursar)
    assert as_thief(bursar, copied) == 200
    with transaction(staffed) as session:
        member = find_staff(session, BURSAR_A)
        assert member is not None
        if change == "password":
            change_password(member, FAST.hash("a new long passphrase"))
        else:
            disable_staff(member)
    assert as_thief(bursar, copied) == 303
    assert bursar.get("/dashboard").status_code == 303  # the member's own browser too


def test_a_password_change_leaves_the_new_password_working(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(staffed) as session:
        member = find_staff(session, BURSAR_A)
        assert member is not None
        change_password(member, FAST.hash("a new long passphrase"))
    assert sign_in(bursar, BURSAR_A, "a new long passphrase").status_code == 303
    assert bursar.get("/dashboard").status_code == 200


class CountingPasswords(Passwords):
    """The cheap test hasher, counting how many passwords were actually checked."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, stored_hash: str | None, password: str) -> bool:
        with self._lock:
            self.checked += 1
        return super().verify(stored_hash, password)


@pytest.fixture(params=["without Redis", "with Redis"])
def racing(
    request: pytest.FixtureRequest, engine: Engine, staffed: sessionmaker[Session], clock: Clock
) -> Iterator[tuple[TestClient, CountingPasswords]]:
    """A browser at the login form of an app (with Redis or without) that counts the passwords it checks."""
    redis = Redis.from_url(REDIS_URL) if request.param == "with Redis" else None
    if redis is not None:
        redis.flushdb()
    settings = Settings(database_url="sqlite://", secret_key="dashboard-test-secret")
    app = create_app(bootstrap(settings, engine=engine, redis=redis))
    passwords = CountingPasswords()
    app.state.dashboard.clock = clock
    app.state.dashboard.passwords = passwords
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as web:
        yield web, passwords


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_forty_wrong_passwords_at_once_are_mostly_refused_unchecked_and_each_checked_one_counted(
    racing: tuple[TestClient, CountingPasswords], staffed: sessionmaker[Session]
) -> None:
    web, passwords = racing
    form = {"email": BURSAR_A, "password": "guess", "csrf_token": csrf_of(web.get("/dashboard/login"))}
    start = threading.Barrier(ATTEMPTS)

    def attempt(_: int) -> int:
        start.wait()
        return web.post("/dashboard/login", data=form).status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(attempt, range(ATTEMPTS)))
    assert sorted(set(answers)) == [401, 429], answers
    refused = answers.count(429)
    assert refused == ATTEMPTS - FREE_TRIES_ACCOUNT  # only the free tries reached the password check
    assert passwords.checked == answers.count(401) == FREE_TRIES_ACCOUNT
    with staffed() as session:
        counted = {row.key: row.failures for row in session.scalars(select(LoginFailures))}
    # Every checked wrong password is counted once: none lost to a concurrent update.
    assert counted == {f"account:{BURSAR_A}": passwords.checked, "address:testclient": passwords.checked}
    assert sign_in(web, BURSAR_A, PASSWORD).status_code == 429  # still throttled, right password or not


def test_staff_signing_in_all_day_from_one_office_are_never_throttled(web: TestClient) -> None:
    # Each try is counted before its password is checked; a right one must take its count back.
    for _ in range(FREE_TRIES_ADDRESS + 2):
        assert sign_in(web, BURSAR_A, PASSWORD).status_code == 303
        post_form(web, "/dashboard/logout", {})
