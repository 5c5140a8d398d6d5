"""Settings come from KARO_* variables; a malformed one stops start-up with one line naming it."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.settings import Settings, get_settings, load_settings_or_exit


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "DARAJA_API_URL"):
        monkeypatch.delenv(f"KARO_{name}", raising=False)
    get_settings.cache_clear()


def test_defaults_are_a_sqlite_file_here_and_no_redis() -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///karo.db"
    assert settings.redis_url is None
    assert settings.twilio_api_url is None


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://karo:pw@db:5432/karo", "postgresql+psycopg://karo:pw@db:5432/karo"),
        ("postgresql://karo@db/karo", "postgresql+psycopg://karo@db/karo"),
        ("postgresql+psycopg://karo@db/karo", "postgresql+psycopg://karo@db/karo"),
        ("sqlite:////var/lib/karo/karo.db", "sqlite:////var/lib/karo/karo.db"),
        ("", "sqlite:///karo.db"),
    ],
)
def test_database_urls_are_normalised(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    monkeypatch.setenv("KARO_DATABASE_URL", given)
    assert Settings().database_url == used


def test_a_blank_redis_url_means_no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARO_REDIS_URL", "  ")
    assert Settings().redis_url is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "KARO_DATABASE_URL",
            "mysql://karo@db/karo",
            "KARO_DATABASE_URL: must be a sqlite:// or postgresql:// URL",
        ),
        ("KARO_REDIS_URL", "localhost:6379", "KARO_REDIS_URL: must be a redis:// or rediss:// URL"),
        ("KARO_PUBLIC_URL", "karo.example.com", "KARO_PUBLIC_URL: must be an http:// or https:// URL"),
        ("KARO_DARAJA_API_URL", "ftp://x", "KARO_DARAJA_API_URL: must be an http:// or https:// URL"),
        (
            "KARO_WHATSAPP_REMINDER_TEMPLATES",
            "HX123",
            'KARO_WHATSAPP_REMINDER_TEMPLATES: must be JSON, e.g. {"en": "HX..."}',
        ),
        (
            "KARO_WHATSAPP_REMINDER_TEMPLATES",
            '{"fr": "HX1"}',
            "KARO_WHATSAPP_REMINDER_TEMPLATES: languages are en and sw, not fr",
        ),
        (
            "KARO_WHATSAPP_REMINDER_TEMPLATES",
            '{"en": "reminder"}',
            "KARO_WHATSAPP_REMINDER_TEMPLATES: each template is a Twilio ContentSid starting with HX",
        ),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings_or_exit()
    assert stopped.value.code != 0
    assert capsys.readouterr().err == message + "\n"


def test_settings_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARO_PUBLIC_URL", "https://karo.example.com/")
    first = get_settings()
    monkeypatch.setenv("KARO_PUBLIC_URL", "https://elsewhere.example.com")
    assert get_settings() is first
    assert first.public_url == "https://karo.example.com"


def test_reminder_templates_are_read_as_json_per_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARO_WHATSAPP_REMINDER_TEMPLATES", '{"en": "HXen", "sw": "HXsw"}')
    assert Settings().whatsapp_reminder_templates == {"en": "HXen", "sw": "HXsw"}


SECRETS = {
    "secret_key": "cookie-signing-key-42",
    "webhook_token": "path-token-9f3a",
    "at_api_key": "atsk_live_key_77",
    "twilio_auth_token": "twilio-auth-token-5e",
}
PASSWORDS = ("db-password-31", "redis-password-64")


def settings_with_secrets() -> Settings:
    return Settings(
        **SECRETS,
        database_url=f"postgresql://karo:{PASSWORDS[0]}@db:5432/karo",
        redis_url=f"redis://:{PASSWORDS[1]}@cache:6379/0",
    )


def test_a_printed_or_logged_settings_shows_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_with_secrets()
    logging.getLogger("karo.test").warning("settings: %s / %r", settings, settings)

    for shown in (repr(settings), str(settings), f"{settings}", caplog.text):
        assert [s for s in (*SECRETS.values(), *PASSWORDS) if s in shown] == []
    assert "postgresql+psycopg://karo:***@db:5432/karo" in repr(settings)  # the rest of the URL still shows


def test_a_copy_with_changes_keeps_its_secrets_hidden_and_checks_the_changes() -> None:
    changed = settings_with_secrets().with_changes(webhook_token="another-token-1", sandbox=True)

    assert "another-token-1" not in repr(changed) and changed.sandbox
    assert changed.webhook_token is not None and changed.webhook_token.get_secret_value() == "another-token-1"
    with pytest.raises(ValidationError):
        changed.with_changes(redis_url="localhost:6379")


def test_secrets_come_from_the_environment_and_a_blank_one_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARO_SECRET_KEY", " cookie-signing-key-42 ")
    monkeypatch.setenv("KARO_WEBHOOK_TOKEN", "  ")
    settings = Settings()

    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "cookie-signing-key-42"
    assert settings.webhook_token is None
