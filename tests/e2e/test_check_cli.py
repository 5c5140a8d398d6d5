"""`karo check` against the simulators: a good deployment's settings pass line by line, a broken one exits
non-zero naming each thing that is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from bot.mpesa.credentials import SANDBOX_CONSUMER_KEY, SANDBOX_CONSUMER_SECRET, SANDBOX_PASSKEY
from bot.settings import get_settings
from tests.conftest import REDIS_URL
from tests.integration.mpesa.harness import daraja_server  # noqa: F401  (fixtures)
from tests.integration.providers.conftest import at_server, twilio_server  # noqa: F401

GOOD_SECRET_KEY = "k3y-for-tests-0123456789-abcdefghijklmnop"
TWILIO_SID = "AC" + "0" * 32
PAYBILL = "522533"


def karo(*args: str) -> Result:
    get_settings.cache_clear()  # each run reads the environment afresh, as a new process would
    return CliRunner().invoke(cli, list(args), prog_name="karo")


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch, at_server, twilio_server, daraja_server) -> Iterator[None]:  # noqa: F811
    """A migrated database with one school, Redis, and every provider pointed at its simulator."""
    daraja_server.control("POST", "reset")
    sandbox_app = {"passkey": SANDBOX_PASSKEY, "consumer_secret": SANDBOX_CONSUMER_SECRET}
    app = sandbox_app | {"consumer_key": SANDBOX_CONSUMER_KEY.format(shortcode=PAYBILL)}
    daraja_server.control("POST", "config", shortcodes={PAYBILL: app})
    for name, value in {
        "KARO_DATABASE_URL": f"sqlite:///{tmp_path / 'karo.db'}",
        "KARO_REDIS_URL": REDIS_URL,
        "KARO_PUBLIC_URL": "https://karo.example",
        "KARO_WEBHOOK_TOKEN": "a-long-webhook-token-for-tests",
        "KARO_SECRET_KEY": GOOD_SECRET_KEY,
        "KARO_AT_USERNAME": "sandbox",
        "KARO_AT_API_KEY": "simulator-key",
        "KARO_AT_API_URL": at_server.url,
        "KARO_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "KARO_TWILIO_AUTH_TOKEN": "simulator-token",
        "KARO_TWILIO_API_URL": twilio_server.url,
        "KARO_DARAJA_API_URL": daraja_server.url,
    }.items():
        monkeypatch.setenv(name, value)
    assert karo("db", "upgrade").exit_code == 0
    created = karo("school", "create", "--slug", "kilimani", "--name", "Kilimani", "--paybill", PAYBILL)
    assert created.exit_code == 0, created.output
    yield
    get_settings.cache_clear()


def lines(result: Result) -> dict[str, str]:
    """``{what: "LEVEL detail"}`` from the command's lines (``LEVEL what: detail``)."""
    found = {}
    for line in result.output.splitlines():
        level, _, rest = line.partition(" ")
        what, _, detail = rest.strip().partition(": ")
        found[what] = f"{level} {detail}"
    return found


def test_a_good_configuration_passes_line_by_line(deployment):
    result = karo("check")
    assert result.exit_code == 0, result.output
    said = lines(result)
    assert said["database"].startswith("ok ") and "migrated" in said["database"]
    assert said["redis"].startswith("ok ") and "answers" in said["redis"]
    assert said["africastalking"].startswith("ok simulator at") and "balance KES" in said["africastalking"]
    assert said["twilio"].startswith("ok simulator at") and "active" in said["twilio"]
    assert said["public url"] == "ok https://karo.example"
    assert said["webhook token"].startswith("ok ") and said["secret key"].startswith("ok ")
    assert said["daraja kilimani"].startswith("ok simulator OAuth token")
    assert said["sender id"] == "warn no SMS sender ID (the shared one is used): kilimani"
    assert "FAIL" not in result.output
    assert GOOD_SECRET_KEY not in result.output and "simulator-key" not in result.output


def test_a_broken_configuration_exits_non_zero_naming_each_reason(deployment, monkeypatch):
    monkeypatch.setenv("KARO_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delenv("KARO_WEBHOOK_TOKEN")
    monkeypatch.setenv("KARO_AT_API_KEY", "wrong-key")
    monkeypatch.setenv("KARO_SECRET_KEY", "short")
    monkeypatch.setenv("KARO_PUBLIC_URL", "http://karo.example")
    result = karo("check")
    assert result.exit_code == 1
    said = lines(result)
    assert said["database"].startswith("ok ")
    assert said["redis"].startswith("FAIL ") and "ConnectionError" in said["redis"]
    assert said["webhook token"].startswith("FAIL KARO_WEBHOOK_TOKEN not set")
    assert said["africastalking"].startswith("FAIL ") and "HTTP 401" in said["africastalking"]
    assert said["secret key"].startswith("FAIL ") and said["public url"].startswith("FAIL ")


def test_an_unreachable_or_unmigrated_database_fails(deployment, monkeypatch, tmp_path):
    monkeypatch.setenv("KARO_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/karo")
    unreachable = karo("check")
    assert unreachable.exit_code == 1 and lines(unreachable)["database"].startswith("FAIL OperationalError")
    assert "schools" not in lines(unreachable)  # nothing to read them from
    monkeypatch.setenv("KARO_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    empty = karo("check")
    assert empty.exit_code == 1 and "is at empty" in lines(empty)["database"]
