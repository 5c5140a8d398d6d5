"""A session ends for real: a cookie copied before signing out (or before a password change or the account
being disabled) opens nothing; and the login throttle holds when wrong passwords arrive all at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.cookies import COOKIE
from ledger.db import transaction
from ledger.staff import change_password, disable_staff, find_staff
from tests.e2e.dashboard.conftest import BURSAR_A, FAST, post_form, sign_in


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
