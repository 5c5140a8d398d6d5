"""School API keys: a missing, wrong or revoked key is a 401, a read key cannot write, and a key over its
rate gets 429 with Retry-After (in this process, and in Redis shared by every process)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.api.problems import MEDIA_TYPE
from bot.api.school.ratelimit import LocalKeyLimiter, RedisKeyLimiter
from ledger.db import transaction
from ledger.staff.api_keys import ApiKey, hash_key, key_for, revoke_key
from tests.e2e.api.conftest import Keys, api_client

REGISTER = {"date": "2026-01-05", "marks": [{"admission_no": "KJA-001", "status": "present"}]}


def test_no_key_a_wrong_key_and_a_revoked_key_are_401_problems(api: TestClient, keys: Keys) -> None:
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        keys.auth("karo_not-a-key"),
        keys.auth(keys.write_a[:-1]),
    ):
        answer = api.get("/api/v1/students", headers=headers)
        assert answer.status_code == 401 and answer.headers["content-type"] == MEDIA_TYPE, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer" and answer.json()["status"] == 401
    assert api.get("/api/v1/students", headers=keys.auth(keys.write_a)).status_code == 200
    with transaction(keys.factory) as session:
        key = key_for(session, keys.write_a)
        assert key is not None and revoke_key(key, key.created_at)
    assert api.get("/api/v1/students", headers=keys.auth(keys.write_a)).status_code == 401


def test_only_a_hash_and_a_prefix_are_stored_and_last_use_is_recorded(api: TestClient, keys: Keys) -> None:
    with keys.factory() as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(keys.read_a))).one()
        assert stored.last_used_at is None and keys.read_a.startswith(stored.prefix)
        assert keys.read_a not in {stored.key_hash, stored.prefix, stored.name}
    api.get("/api/v1/classes", headers=keys.auth(keys.read_a))
    with keys.factory() as session:
        assert session.get(ApiKey, stored.id).last_used_at is not None  # type: ignore[union-attr]


def test_a_read_key_may_read_but_every_write_is_403(api: TestClient, keys: Keys) -> None:
    auth = keys.auth(keys.read_a)
    assert api.get("/api/v1/payments", headers=auth).status_code == 200
    writes = [
        ("PUT", "/api/v1/attendance", REGISTER),
        (
            "PUT",
            "/api/v1/results",
            {"exam": "CAT 1", "scores": [{"admission_no": "KJA-001", "subject": "Maths", "score": 70}]},
        ),
        (
            "POST",
            "/api/v1/payments",
            {"admission_no": "KJA-001", "amount": 100, "source": "cash", "received_on": "2026-01-05"},
        ),
    ]
    for method, path, body in writes:
        answer = api.request(method, path, json=body, headers={**auth, "Idempotency-Key": "k1"})
        assert answer.status_code == 403 and answer.json()["title"] == "Not allowed", path


def test_a_key_over_its_rate_gets_429_with_retry_after(engine: Engine, keys: Keys) -> None:
    with api_client(engine, api_rate_per_minute=3) as api:
        answers = [api.get("/api/v1/classes", headers=keys.auth(keys.read_a)) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
        assert answers[-1].json()["title"] == "Too many requests"
        # Another key has its own window.
        assert api.get("/api/v1/classes", headers=keys.auth(keys.write_a)).status_code == 200


def test_the_fixed_window_opens_again_in_the_next_minute_here_and_in_redis(redis: Redis) -> None:
    now = [60 * 16_667 + 20.0]
    for limiter in (
        LocalKeyLimiter(2, clock=lambda: now[0]),
        RedisKeyLimiter(redis, 2, clock=lambda: now[0]),
    ):
        now[0] = 60 * 16_667 + 20.0  # 20 s into a minute
        assert [limiter.wait_for(7) for _ in range(3)] == [0, 0, 40]
        assert limiter.wait_for(8) == 0
        now[0] += 40
        assert limiter.wait_for(7) == 0
