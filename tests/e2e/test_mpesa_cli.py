"""`karo school mpesa`: a school's Daraja credentials kept sealed, its Paybill URLs registered on request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr
from sqlalchemy import select

from bot.cli import cli
from bot.crypto import SecretBox
from bot.settings import get_settings
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.records.tables import School
from providers.simulators import daraja as daraja_simulator
from providers.simulators.serve import start_in_thread
from tests.conftest import copy_sqlite

Karo = Callable[..., Result]
PASSKEY = daraja_simulator.SANDBOX_PASSKEY
MPESA = ("school", "mpesa", "--school", "kilimani", "--shortcode", "600100", "--passkey", PASSKEY,
         "--consumer-key", "kilimani-app-key", "--consumer-secret", "kilimani-app-secret")  # fmt: skip


@pytest.fixture
def karo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_sqlite: Path) -> Iterator[Karo]:
    monkeypatch.setenv("KARO_DATABASE_URL", f"sqlite:///{copy_sqlite(migrated_sqlite, tmp_path / 'karo.db')}")
    monkeypatch.setenv("KARO_SECRET_KEY", "cli-secret")
    for name in ("KARO_REDIS_URL", "KARO_DARAJA_API_URL", "KARO_PUBLIC_URL", "KARO_WEBHOOK_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args), prog_name="karo")

    assert run("db", "upgrade").exit_code == 0
    created = run("school", "create", "--slug", "kilimani", "--name", "Kilimani Junior Academy")
    assert created.exit_code == 0, created.output
    yield run
    get_settings.cache_clear()


def school(tmp_path: Path) -> School:
    engine = make_engine(f"sqlite:///{tmp_path / 'karo.db'}")
    try:
        with session_factory(engine)() as session:
            return session.scalars(select(School)).one()
    finally:
        engine.dispose()


def test_credentials_are_kept_sealed_and_the_shortcode_becomes_the_paybill(karo, tmp_path):
    result = karo(*MPESA)
    assert result.exit_code == 0, result.output
    assert "600100 saved (secrets sealed)" in result.output
    saved = school(tmp_path)
    assert (saved.daraja_shortcode, saved.paybill) == ("600100", "600100")
    assert PASSKEY not in (saved.daraja_passkey_sealed or "")
    box = SecretBox(SecretStr("cli-secret"))
    assert box.open(saved.daraja_consumer_secret_sealed) == "kilimani-app-secret"


def test_without_a_secret_key_nothing_is_kept(karo, tmp_path, monkeypatch):
    monkeypatch.delenv("KARO_SECRET_KEY")
    result = karo(*MPESA)
    assert result.exit_code == 1 and "KARO_SECRET_KEY" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert school(tmp_path).daraja_passkey_sealed is None


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--shortcode", "12ab", "5 to 7 digit"),
        ("--passkey", " ", "--passkey"),
        ("--school", "nowhere", "no school"),
    ],
)
def test_bad_input_is_refused_in_one_line(karo, option, value, words):
    args = list(MPESA)
    args[args.index(option) + 1] = value
    result = karo(*args)
    assert result.exit_code == 1 and words in result.output, result.output


def test_the_paybill_urls_are_registered_with_daraja(karo, monkeypatch):
    sim = daraja_simulator.DarajaSimulator()
    url, stop = start_in_thread(daraja_simulator.create_app(sim))
    try:
        sim.configure({"shortcodes": {"600100": {"passkey": PASSKEY, "consumer_key": "kilimani-app-key",
                                                  "consumer_secret": "kilimani-app-secret"}}})  # fmt: skip
        monkeypatch.setenv("KARO_DARAJA_API_URL", url)
        assert "KARO_PUBLIC_URL" in karo(*MPESA, "--register-urls").output  # refused: no public URL yet
        monkeypatch.setenv("KARO_PUBLIC_URL", "https://karo.example")
        monkeypatch.setenv("KARO_WEBHOOK_TOKEN", "s3cret-path")
        result = karo(*MPESA, "--register-urls")
        assert result.exit_code == 0, result.output
        registered = sim.c2b.listing()["registrations"]["600100"]
        assert registered["confirmation_url"] == "https://karo.example/daraja/c2b/confirm/s3cret-path"
        assert registered["validation_url"] == "https://karo.example/daraja/c2b/validate/s3cret-path"
    finally:
        stop()
