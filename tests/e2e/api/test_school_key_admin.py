"""Making and managing school API keys: ``karo apikey create`` prints a key once, and the head lists,
creates, rotates and revokes keys on the dashboard (others only see them); all of it audited."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.staff.api_keys import ApiKey
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import BURSAR_A, HEAD_A, csrf_of, sign_in
from tests.e2e.test_cli import Karo, one_line_refusal

PAGE = "/dashboard/settings/api-keys"
SECRET = re.compile(r'id="key-secret">(karo_[\w-]+)<')


def test_apikey_create_prints_the_key_once_and_it_signs_api_requests(kilimani: Karo, tmp_path: Path) -> None:
    made: Result = kilimani(
        "apikey", "create", "--school", "kilimani", "--name", "Zeraki sync", "--scope", "write"
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("karo_") and len(secret) > 40 and "not shown again" in made.stderr
    engine_url = f"sqlite:///{tmp_path / 'karo.db'}"
    with TestClient(create_app(bootstrap(Settings(database_url=engine_url)))) as api:
        assert api.get("/api/v1/students", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        assert api.get("/api/v1/students", headers={"Authorization": "Bearer karo_nope"}).status_code == 401
    refused = kilimani("apikey", "create", "--school", "nowhere", "--name", "x", "--scope", "read")
    assert "nowhere" in one_line_refusal(refused)
    blank = kilimani("apikey", "create", "--school", "kilimani", "--name", "  ", "--scope", "read")
    assert "name" in one_line_refusal(blank)
    wrong = kilimani("apikey", "create", "--school", "kilimani", "--name", "x", "--scope", "admin")
    assert wrong.exit_code != 0


def test_the_head_creates_rotates_and_revokes_keys_and_others_only_read(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert sign_in(web, HEAD_A).status_code == 303
    page = web.get(PAGE)
    assert page.status_code == 200 and "No keys yet" in page.text
    made = web.post(PAGE, data={"csrf_token": csrf_of(page), "name": "Zeraki sync", "scope": "read"})
    first = SECRET.search(made.text)
    assert made.status_code == 200 and first is not None and made.headers["Cache-Control"] == "no-store"
    assert web.get("/api/v1/classes", headers={"Authorization": f"Bearer {first[1]}"}).status_code == 200
    listed = web.get(PAGE)
    assert first[1] not in listed.text and first[1][:12] in listed.text and "Zeraki sync" in listed.text
    with staffed() as session:
        key_id = session.scalars(select(ApiKey.id)).one()
    rotated = web.post(f"{PAGE}/{key_id}/rotate", data={"csrf_token": csrf_of(listed)})
    second = SECRET.search(rotated.text)
    assert second is not None and second[1] != first[1]
    assert web.get("/api/v1/classes", headers={"Authorization": f"Bearer {first[1]}"}).status_code == 401
    assert web.get("/api/v1/classes", headers={"Authorization": f"Bearer {second[1]}"}).status_code == 200
    with staffed() as session:
        new_id = session.scalars(select(ApiKey.id).where(ApiKey.revoked.is_(False))).one()
    revoked = web.post(f"{PAGE}/{new_id}/revoke", data={"csrf_token": csrf_of(rotated)})
    assert revoked.status_code == 200 and "is revoked" in revoked.text
    assert web.get("/api/v1/classes", headers={"Authorization": f"Bearer {second[1]}"}).status_code == 401
    no_csrf = web.post(PAGE, data={"name": "sneaky", "scope": "write"})
    assert no_csrf.status_code == 403
    with staffed() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("apikey.%"))))
        assert actions == ["apikey.create", "apikey.rotate", "apikey.revoke"]
        assert session.scalars(select(ApiKey.name).where(ApiKey.name == "sneaky")).first() is None
    web.post("/dashboard/logout", data={"csrf_token": csrf_of(web.get(PAGE))})
    assert sign_in(web, BURSAR_A).status_code == 303
    seen = web.get(PAGE)
    assert seen.status_code == 200 and "Zeraki sync" in seen.text and "Rotate" not in seen.text
    refused = web.post(PAGE, data={"csrf_token": csrf_of(seen), "name": "mine", "scope": "write"})
    assert refused.status_code == 403
