"""The web app end to end, through httpx's ASGI transport, on the migrated PostgreSQL and SQLite databases."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.db import transaction
from ledger.messaging.bus import session_factory
from tests import builders
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def app_for(engine: Engine, monkeypatch: pytest.MonkeyPatch, redis_url: str | None = None) -> FastAPI:
    """The app as `karo serve` builds it from KARO_* variables, on the test database's engine."""
    monkeypatch.setenv("KARO_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    if redis_url is None:
        monkeypatch.delenv("KARO_REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("KARO_REDIS_URL", redis_url)
    return create_app(bootstrap(Settings(), engine=engine))


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://karo.test") as client:
        return await client.get(path)


async def test_healthz_says_the_process_is_up(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    response = await get(app_for(engine, monkeypatch), "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_without_redis_checks_the_database_only(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await get(app_for(engine, monkeypatch), "/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "not configured"}


async def test_readyz_with_redis_checks_both(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    response = await get(app_for(engine, monkeypatch, REDIS_URL), "/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


async def test_readyz_names_an_unreachable_redis(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    response = await get(app_for(engine, monkeypatch, "redis://127.0.0.1:1/0"), "/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unreachable"}


async def test_readyz_names_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KARO_REDIS_URL", raising=False)
    services = bootstrap(Settings(database_url="postgresql://nobody@127.0.0.1:1/karo"))
    response = await get(create_app(services), "/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "unreachable", "redis": "not configured"}


async def test_home_names_each_school_with_its_codes_and_students(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(session_factory(engine)) as session:
        school = builders.school(session, "kilimani", paybill="522533", ussd_code="*384*25#")
        school.name = "Kilimani Junior Academy"
        grade_4 = builders.school_class(session, school, "Grade 4")
        builders.student(session, grade_4, "2101")
        builders.student(session, grade_4, "2102", name="Otieno Ochieng")
        builders.school(session, "mwangaza").name = "Mwangaza Secondary"
    response = await get(app_for(engine, monkeypatch), "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for text in (
        "Kilimani Junior Academy",
        "kilimani",
        "522533",
        "*384*25#",
        "Mwangaza Secondary",
        "/healthz",
    ):
        assert text in response.text
    assert '<td class="number">2</td>' in response.text


async def test_home_without_schools_says_how_to_add_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await get(app_for(engine, monkeypatch), "/")
    assert response.status_code == 200
    assert "karo school create" in response.text
