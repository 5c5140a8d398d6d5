"""A school's system registers its webhook endpoints through the API, under the dashboard's rules: the secret
in the POST's answer only, a read key refused, bad URLs and events a 422 problem, every change audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger.staff.audit import AuditEntry
from tests.e2e.api.conftest import Keys, api_client


@pytest.fixture
def sealing_api(engine: Engine, keys: Keys) -> Iterator[TestClient]:
    with api_client(engine, secret_key="k" * 40) as client:  # endpoint secrets are sealed with it
        yield client


def test_an_endpoint_is_added_read_paused_and_deleted_with_a_write_key(sealing_api, keys):
    api, write, read = sealing_api, keys.auth(keys.write_a), keys.auth(keys.read_a)
    body = {"url": "https://sis.kilimani.example/karo", "events": ["payment.received", "payment.reversed"]}
    assert api.post("/api/v1/webhooks", json=body, headers=read).status_code == 403
    made = api.post("/api/v1/webhooks", json=body, headers=write)
    assert made.status_code == 201, made.text
    endpoint = made.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["secret"].endswith(endpoint["secret_ends"])
    listed = api.get("/api/v1/webhooks", headers=read).json()
    assert [e["url"] for e in listed] == ["https://kilimani.example.org/karo", body["url"]]
    assert all("secret" not in e for e in listed)  # shown once, in the POST's answer
    path = f"/api/v1/webhooks/{endpoint['id']}"
    assert api.patch(path, json={"active": False}, headers=write).json()["active"] is False
    assert api.get(path, headers=read).json()["events"] == body["events"]
    assert api.delete(path, headers=write).status_code == 204
    assert api.get(path, headers=read).status_code == 404
    with keys.factory() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == f"webhook:{endpoint['id']}")
        )
        assert list(actions) == ["webhook.create", "webhook.active", "webhook.delete"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://sis.example/karo", "events": ["payment.received"]},  # plain http, not this machine
        {"url": "https://sis.example/karo", "events": ["payment.teleported"]},
        {"url": "https://sis.example/karo", "events": []},
    ],
)
def test_an_endpoint_karo_would_not_deliver_to_is_a_422_problem(sealing_api, keys, body):
    answer = sealing_api.post("/api/v1/webhooks", json=body, headers=keys.auth(keys.write_a))
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "Invalid endpoint"
