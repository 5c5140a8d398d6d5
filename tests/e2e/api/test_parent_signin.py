"""Signing in to the parent API: a one-time code by SMS (through the Africa's Talking simulator), a bearer
token, signing out; unknown phones answered alike and sent nothing; rate limits; wrong, spent, expired and
brute-forced codes refused."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.api.parent.signin import MAX_ATTEMPTS, PER_ADDRESS, PER_PHONE
from bot.api.parent.tables import ParentCode, ParentToken
from bot.app import create_app
from bot.bootstrap import bootstrap
from ledger.clock import utc_now
from ledger.messaging.outbox import OutboxMessage
from ledger.records.tables import Guardian, Language
from tests.e2e.api.parent_helpers import CODE, latest_code, sign_in
from tests.e2e.conftest import PARENT
from tests.e2e.test_messaging import dispatch, simulated_settings
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

UNKNOWN = "+254799000123"
CODE_URL, TOKEN_URL, CHILDREN = "/api/v1/parent/code", "/api/v1/parent/token", "/api/v1/parent/children"


@pytest.fixture
def services(engine, redis, schools, at_sim, twilio_sim):  # noqa: F811
    return bootstrap(simulated_settings(at_sim, twilio_sim), engine=engine, redis=redis)


@pytest.fixture
def api(services):
    return TestClient(create_app(services))


def outbox(services):
    with services.sessions() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_the_code_arrives_by_sms_in_the_parents_language_and_signs_in_and_out(api, services, at_sim):  # noqa: F811
    with services.sessions.begin() as session:
        for guardian in session.scalars(select(Guardian).where(Guardian.phone == PARENT)):
            guardian.language = Language.SW
    sent = api.post(CODE_URL, json={"phone": "0712 000 001"})
    assert sent.status_code == 202 and sent.json()["expires_in"] == 600
    assert api.get(CHILDREN).status_code == 401
    assert dispatch(services).sent == 1
    (sms,) = at_sim.messages()
    assert sms["to"] == PARENT and "Nambari yako ya kuingia Karo" in sms["message"]
    code = CODE.search(sms["message"])[1]
    issued = api.post(TOKEN_URL, json={"phone": PARENT, "code": code})
    assert issued.status_code == 200 and issued.json()["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    names = {child["name"] for child in api.get(CHILDREN, headers=headers).json()["items"]}
    assert names == {"Achieng Otieno", "Baraka Otieno"}
    again = api.post(TOKEN_URL, json={"phone": PARENT, "code": code})
    assert again.status_code == 401  # single use
    assert api.delete(TOKEN_URL, headers=headers).status_code == 204
    refused = api.get(CHILDREN, headers=headers)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    assert api.delete(TOKEN_URL, headers=headers).status_code == 401


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(api, services, at_sim):  # noqa: F811
    known = api.post(CODE_URL, json={"phone": PARENT})
    unknown = api.post(CODE_URL, json={"phone": UNKNOWN})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert [m.phone for m in outbox(services)] == [PARENT]
    dispatch(services)
    assert [m["to"] for m in at_sim.messages()] == [PARENT]
    # Every code a guess away, for both: the unknown phone has no code that can sign it in.
    for guess in ("000000", "123456"):
        assert api.post(TOKEN_URL, json={"phone": UNKNOWN, "code": guess}).status_code == 401


def test_a_bad_phone_is_a_422_problem(api):
    response = api.post(CODE_URL, json={"phone": "not a phone"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_codes_are_rate_limited_per_phone_and_per_address(api, services):
    most, _ = PER_PHONE
    with ThreadPoolExecutor(max_workers=6) as pool:  # asked in parallel: the count holds all the same
        answers = list(pool.map(lambda _: api.post(CODE_URL, json={"phone": PARENT}).status_code, range(8)))
    assert sorted(answers) == [202] * most + [429] * (8 - most)
    limited = api.post(CODE_URL, json={"phone": PARENT})
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 15 * 60
    assert len(outbox(services)) == most  # the refused one sent nothing
    # Unknown phones count alike, and the address's own limit stops one client walking many phones.
    most_here, _ = PER_ADDRESS
    answers = [
        api.post(CODE_URL, json={"phone": f"+2547990001{n:02d}"}).status_code for n in range(most_here)
    ]
    assert answers == [202] * (most_here - most) + [429] * most  # refused requests wrote no row
    assert 0 < int(api.post(CODE_URL, json={"phone": UNKNOWN}).headers["Retry-After"]) <= 3600


def test_a_wrong_code_an_expired_code_and_a_brute_force_are_refused(api, services):
    headers = sign_in(api, services.sessions, PARENT)  # a working sign-in first
    assert api.get(CHILDREN, headers=headers).status_code == 200
    api.post(CODE_URL, json={"phone": PARENT})
    code = latest_code(services.sessions, PARENT)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert api.post(TOKEN_URL, json={"phone": PARENT, "code": wrong}).status_code == 401
    with services.sessions.begin() as session:  # ten minutes later
        session.execute(update(ParentCode).values(expires_at=utc_now() - dt.timedelta(seconds=1)))
    assert api.post(TOKEN_URL, json={"phone": PARENT, "code": code}).status_code == 401
    # Brute force: parallel guesses take the attempts left, then even the right code is refused.
    api.post(CODE_URL, json={"phone": PARENT})
    code = latest_code(services.sessions, PARENT)
    guesses = [f"{(int(code) + n) % 10**6:06d}" for n in range(1, 3 * MAX_ATTEMPTS)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda g: api.post(TOKEN_URL, json={"phone": PARENT, "code": g}), guesses))
    assert {a.status_code for a in answers} == {401}
    assert api.post(TOKEN_URL, json={"phone": PARENT, "code": code}).status_code == 401
    with services.sessions() as session:
        latest = session.scalars(select(ParentCode).order_by(ParentCode.id.desc())).first()
    assert latest.attempts == MAX_ATTEMPTS and latest.used_at is None


def test_an_expired_or_forged_token_reads_nothing(api, services):
    headers = sign_in(api, services.sessions, PARENT)
    assert api.get(CHILDREN, headers=headers).status_code == 200
    with services.sessions.begin() as session:  # thirty days later
        session.execute(update(ParentToken).values(expires_at=utc_now() - dt.timedelta(seconds=1)))
    assert api.get(CHILDREN, headers=headers).status_code == 401
    for forged in ("Bearer nonsense", "Bearer ", "Basic abc", headers["Authorization"] + "x"):
        assert api.get(CHILDREN, headers={"Authorization": forged}).status_code == 401
