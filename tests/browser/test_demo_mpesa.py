"""``karo demo`` as a person meets it: without Redis the STK push still happens (on the demo's own timers),
the Daraja simulator keeps the prompt on the sandbox phone until a PIN answers it, and the receipt comes
back through the outbox to the SMS inbox."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import cli
from bot.commands import demo as demo_command
from bot.demo.simulated_mpesa import PROMPT_TIMEOUT_SECONDS
from bot.demo.simulators import PROVIDER_SETTINGS, Simulators
from bot.settings import get_settings
from ledger.books.balances import total_owed
from ledger.records.tables import Guardian, School, StudentGuardian
from tests.browser.conftest import QUICK_PUSH, free_socket, serving
from tests.browser.test_sandbox import choose
from tests.conftest import DEMO_TODAY, SeededDemo


def a_parent_who_owes(sessions: sessionmaker[Session]) -> str:
    """An English-speaking Kilimani guardian of one child with fees to pay (the menus go straight to it)."""
    with sessions() as session:
        rows = session.execute(
            select(Guardian.phone, func.min(StudentGuardian.student_id))
            .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
            .join(School, School.id == Guardian.school_id)
            .where(School.slug == "kilimani", Guardian.language == "en")
            .group_by(Guardian.phone)
            .having(func.count(StudentGuardian.student_id) == 1)
        ).all()
        return next(phone for phone, child in rows if total_owed(session, child) > 0)


def test_the_demo_pushes_without_redis_and_the_prompt_waits_for_the_pin(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded_demo: SeededDemo
) -> None:
    sock, seen = free_socket(), {}

    def serve_and_pay(app: FastAPI, host: str, port: int) -> None:
        """Instead of serving until Ctrl+C: serve while a parent pays in the sandbox."""
        services = app.state.services
        simulators = Simulators.from_settings(services.settings)
        assert simulators is not None and simulators.daraja_url is not None
        assert services.redis is None  # jobs in-process
        config = httpx.get(f"{simulators.daraja_url}/_sim/config").json()
        seen["config"] = (config["auto_resolve"], config["prompt_timeout"])
        phone = a_parent_who_owes(services.sessions)
        # The push follows the session after 0.3 s, not 5 (the demo's own timers all the same).
        app.state.mpesa.timings = QUICK_PUSH
        with serving(app, sock) as url:
            page.goto(f"{url}/sandbox")
            page.fill("#other", "0" + phone.removeprefix("+254"))
            page.select_option("#code", "*384*25#")
            page.get_by_role("button", name="Dial").click()
            for label in ("Pay", "Full balance", "Confirm"):
                choose(page, label)
            prompt = page.get_by_role("dialog", name="M-Pesa PIN prompt")
            expect(prompt).to_be_visible(timeout=15_000)
            expect(prompt).to_contain_text("to Kilimani Junior Academy account")
            page.wait_for_timeout(1500)
            expect(prompt).to_be_visible()  # nobody answers for the person
            page.get_by_label("M-Pesa PIN", exact=True).fill("2468")
            prompt.get_by_role("button", name="OK").click()
            receipt = page.locator("#sms-log li.karo").last
            expect(receipt).to_contain_text("Fees fully paid", timeout=20_000)

    monkeypatch.setattr(demo_command, "_run", serve_and_pay)
    for name in (*PROVIDER_SETTINGS, "redis_url", "public_url", "daraja_api_url", "webhook_token"):
        monkeypatch.delenv(f"KARO_{name.upper()}", raising=False)
    get_settings.cache_clear()
    port = str(sock.getsockname()[1])
    db = str(seeded_demo.copy_to(tmp_path))  # seeded once for the run: this run seeds it again, serves it
    args = ["demo", "--db", db, "--port", port, "--today", DEMO_TODAY]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Daraja simulator: http://127.0.0.1:" in result.output
    assert seen["config"] == (False, PROMPT_TIMEOUT_SECONDS)
