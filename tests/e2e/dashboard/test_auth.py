"""Signing in and out, sessions in signed cookies, CSRF on every form, roles and the login throttle."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import (
    BURSAR_A,
    HEAD_A,
    PASSWORD,
    Clock,
    csrf_of,
    dashboard_client,
    post_form,
    sign_in,
)


def test_a_bursar_signs_in_and_sees_their_schools_term(web: TestClient) -> None:
    signed_in = sign_in(web, BURSAR_A)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    page = web.get("/dashboard")
    assert page.status_code == 200
    assert "Kilimani Junior Academy" in page.text and "Mwangaza" not in page.text
    assert "KES 35,000.00" in page.text  # the one pupil's invoice


def test_a_page_sends_a_stranger_to_the_login_form_and_back(web: TestClient) -> None:
    page = web.get("/dashboard/students?q=Achieng")
    assert page.status_code == 303
    assert page.headers["location"] == "/dashboard/login?next=/dashboard/students%3Fq%3DAchieng"
    form = web.get(page.headers["location"])
    token = csrf_of(form)
    assert 'value="/dashboard/students?q=Achieng"' in form.text
    data = {
        "email": BURSAR_A,
        "password": PASSWORD,
        "csrf_token": token,
        "next": "/dashboard/students?q=Achieng",
    }
    assert web.post("/dashboard/login", data=data).headers["location"] == "/dashboard/students?q=Achieng"


def test_a_login_never_redirects_to_another_site(web: TestClient) -> None:
    token = csrf_of(web.get("/dashboard/login"))
    for target in ("https://evil.example/dashboard", "//evil.example/dashboard", "/sandbox"):
        data = {"email": BURSAR_A, "password": PASSWORD, "csrf_token": token, "next": target}
        answer = web.post("/dashboard/login", data=data)
        assert answer.headers["location"] == "/dashboard", target
        token = csrf_of(web.get("/dashboard/login"))


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(web: TestClient) -> None:
    cookie = sign_in(web, BURSAR_A).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Path=/dashboard" in cookie


def test_over_plain_http_the_cookie_is_not_marked_secure(
    engine: Engine, staffed: sessionmaker[Session], clock: Clock
) -> None:
    with dashboard_client(engine, clock, base_url="http://127.0.0.1:8000") as web:
        cookie = web.get("/dashboard/login").headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" not in cookie


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(web: TestClient) -> None:
    wrong = sign_in(web, BURSAR_A, "not the password")
    unknown = sign_in(web, "nobody@kilimani.ac.ke")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text
    assert web.get("/dashboard").status_code == 303  # still signed out


def test_a_form_posted_without_its_csrf_token_is_refused(bursar: TestClient) -> None:
    refused = bursar.post("/dashboard/logout")
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    assert bursar.get("/dashboard").status_code == 200  # the logout did not happen


def test_a_token_from_another_session_is_refused(
    bursar: TestClient, engine: Engine, staffed: sessionmaker[Session], clock: Clock
) -> None:
    with dashboard_client(engine, clock) as other:
        foreign = csrf_of(other.get("/dashboard/login"))
    assert bursar.post("/dashboard/logout", data={"csrf_token": foreign}).status_code == 403
    assert bursar.post("/dashboard/logout", headers={"X-CSRF-Token": foreign}).status_code == 403


def test_the_login_form_itself_needs_its_token(web: TestClient) -> None:
    answer = web.post("/dashboard/login", data={"email": BURSAR_A, "password": PASSWORD})
    assert answer.status_code == 403
    assert web.get("/dashboard").status_code == 303


def test_signing_in_issues_a_new_csrf_token(web: TestClient) -> None:
    before = csrf_of(web.get("/dashboard/login"))
    sign_in(web, BURSAR_A)
    assert csrf_of(web.get("/dashboard")) != before


def test_htmx_may_send_the_token_as_a_header(bursar: TestClient) -> None:
    token = csrf_of(bursar.get("/dashboard"))
    assert bursar.post("/dashboard/logout", headers={"X-CSRF-Token": token}).status_code == 303
    assert bursar.get("/dashboard").status_code == 303


def test_signing_out_ends_the_session(bursar: TestClient) -> None:
    out = post_form(bursar, "/dashboard/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    assert bursar.get("/dashboard").status_code == 303


def test_a_forged_cookie_is_no_session(web: TestClient) -> None:
    # Sent as a header (the jar keeps cookies for "testserver.local": one set for "testserver" is not sent).
    for forged in ('{"s": 1, "c": "x"}', '{"s": 1, "g": 0, "c": "x"}', "eyJzIjoxLCJnIjowLCJjIjoieCJ9.x.y"):
        answer = web.get("/dashboard", headers={"Cookie": f"karo_dashboard={forged}"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/dashboard/login")


def test_ten_wrong_passwords_in_a_row_slow_the_login_down(web: TestClient, clock: Clock) -> None:
    waits = []  # what the form said before each guess could be tried
    for _ in range(10):
        answer = sign_in(web, BURSAR_A, "guess")
        if answer.status_code == 429:
            waits.append(seconds_told(answer.text))
            clock.advance(waits[-1])
            answer = sign_in(web, BURSAR_A, "guess")
        assert answer.status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64]  # three free tries, then each wrong guess doubles the wait
    refused = sign_in(web, BURSAR_A, PASSWORD)  # even the right password waits its turn now
    assert refused.status_code == 429 and seconds_told(refused.text) == 128
    clock.advance(127)
    assert sign_in(web, BURSAR_A, PASSWORD).status_code == 429
    clock.advance(1)
    assert sign_in(web, BURSAR_A, PASSWORD).status_code == 303


def seconds_told(page: str) -> int:
    return int(page.split("Try again in ")[1].split(" ")[0])


def test_a_throttled_login_does_not_even_check_the_password(web: TestClient, clock: Clock) -> None:
    for _ in range(4):
        clock.advance(60)
        sign_in(web, BURSAR_A, "guess")
    refused = sign_in(web, BURSAR_A, PASSWORD)
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.text
    clock.advance(60)
    assert sign_in(web, BURSAR_A, PASSWORD).status_code == 303


def test_a_right_password_starts_the_account_afresh(web: TestClient, clock: Clock) -> None:
    for _ in range(2):
        sign_in(web, BURSAR_A, "guess")
    assert sign_in(web, BURSAR_A, PASSWORD).status_code == 303
    post_form(web, "/dashboard/logout", {})
    for _ in range(2):
        assert sign_in(web, BURSAR_A, "guess").status_code == 401  # no wait: the count started again


def test_many_accounts_guessed_from_one_address_slow_that_address_down(web: TestClient) -> None:
    for n in range(10):
        assert sign_in(web, f"guess{n}@kilimani.ac.ke", "guess").status_code == 401
    assert sign_in(web, HEAD_A, PASSWORD).status_code == 429


def test_signing_in_is_audited(web: TestClient, staffed: sessionmaker[Session]) -> None:
    sign_in(web, BURSAR_A)
    with staffed() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "login")))
    assert [(row.actor, row.action) for row in rows] == [(BURSAR_A, "login")]


def test_a_head_teacher_reads_the_same_pages(web: TestClient) -> None:
    assert sign_in(web, HEAD_A).status_code == 303
    assert web.get("/dashboard").status_code == 200
    assert web.get("/dashboard/students").status_code == 200
