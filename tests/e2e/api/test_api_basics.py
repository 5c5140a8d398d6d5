"""The API's frame: mounted at /api/v1 with its own OpenAPI and docs; every error a problem detail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.api.pages import decode_cursor, encode_cursor
from bot.api.problems import MEDIA_TYPE, Problem
from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings


@pytest.fixture
def api(engine) -> TestClient:
    return TestClient(create_app(bootstrap(Settings(), engine=engine)))


def test_the_openapi_document_and_docs_are_under_api_v1(api):
    spec = api.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "Karo API"
    assert spec.json()["servers"] == [{"url": "/api/v1"}]
    assert "swagger-ui" in api.get("/api/v1/docs").text


def test_an_unknown_route_is_a_problem_detail_not_html(api):
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.headers["content-type"] == MEDIA_TYPE
    problem = {"type": "about:blank", "title": "Not found", "status": 404, "detail": "Not Found"}
    assert response.json() == problem


def test_a_cursor_round_trips_and_a_forged_one_is_a_400_problem():
    key = ["2026-12-03T10:00:00+00:00", 42]
    assert decode_cursor(encode_cursor(key)) == key and decode_cursor(None) is None
    for forged in ("not-base64!", encode_cursor({"a": 1}), "e30", "%%%"):  # e30 is "{}"
        with pytest.raises(Problem) as refused:
            decode_cursor(forged)
        assert refused.value.status == 400
