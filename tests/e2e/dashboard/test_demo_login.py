"""`karo demo` seeds a bursar's login for Kilimani and prints it; the login opens the school's dashboard."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from ledger.db import make_engine
from tests.e2e.dashboard.conftest import csrf_of
from tests.e2e.test_demo import run_demo


def test_the_demo_prints_a_bursar_login_that_opens_kilimanis_dashboard(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    printed = run_demo(db).output  # (test_demo.py runs it twice: the login is made once)
    assert (
        "Dashboard http://127.0.0.1:8000/dashboard: sign in as bursar@kilimani.demo / kilimani-demo"
        in printed
    )
    engine = make_engine(f"sqlite:///{db}")
    with TestClient(create_app(bootstrap(Settings(database_url="sqlite://"), engine=engine))) as web:
        token = csrf_of(web.get("/dashboard/login"))
        form = {"email": "bursar@kilimani.demo", "password": "kilimani-demo", "csrf_token": token}
        overview = web.post("/dashboard/login", data=form)  # follows the redirect to the overview
        assert overview.status_code == 200 and "Kilimani Junior Academy" in overview.text
        assert "Collection rate" in overview.text
    engine.dispose()
