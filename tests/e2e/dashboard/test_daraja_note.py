"""The overview says when M-Pesa prompts are off for the school, and why."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.crypto import SecretBox
from bot.mpesa.credentials import store_credentials
from bot.settings import Settings
from ledger.db import transaction
from ledger.records.tables import School
from providers.daraja_types import Shortcode
from tests.e2e.dashboard.conftest import BURSAR_A, FAST, sign_in

SECRET = "dashboard-test-secret"


def overview_against_a_real_daraja(engine, clock) -> str:
    settings = Settings(
        database_url="sqlite://", secret_key=SECRET, daraja_api_url="https://api.safaricom.co.ke"
    )
    app = create_app(bootstrap(settings, engine=engine))
    app.state.dashboard.clock, app.state.dashboard.passwords = clock, FAST
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert sign_in(client, BURSAR_A).status_code == 303
        page = client.get("/dashboard")
        assert page.status_code == 200
        return page.text


def test_the_overview_says_prompts_are_off_without_a_daraja_app(engine, staffed, clock):
    text = overview_against_a_real_daraja(engine, clock)
    assert "M-Pesa prompts are off: no Daraja app for this school" in text
    assert "Paybill 522533 instructions" in text
    with transaction(staffed) as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        store_credentials(school, Shortcode("522533", "pk", "ck", "cs"), SecretBox(SecretStr(SECRET)))
    assert "M-Pesa prompts are off" not in overview_against_a_real_daraja(engine, clock)
