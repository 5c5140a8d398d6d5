"""KARO_SMTP_URL and KARO_EMAIL_FROM: read, checked at start-up (one line naming the bad one), the
password never shown."""

from __future__ import annotations

import pytest

from bot.settings import Settings, load_settings_or_exit
from providers.email import SmtpServer


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KARO_SMTP_URL": "mail.example.com:587"}, "KARO_SMTP_URL: must be an smtp:// or smtps://"),
        ({"KARO_SMTP_URL": "http://mail.example.com"}, "KARO_SMTP_URL: must be an smtp:// or smtps://"),
        ({"KARO_SMTP_URL": "smtp://mail.example.com:port"}, "KARO_SMTP_URL: bad port"),
        ({"KARO_SMTP_URL": "smtp://mail.example.com"}, "KARO_EMAIL_FROM: is needed with KARO_SMTP_URL"),
        (
            {"KARO_SMTP_URL": "smtp://mail.example.com", "KARO_EMAIL_FROM": "fees"},
            "KARO_EMAIL_FROM: must be an email address",
        ),
    ],
)
def test_a_malformed_email_setting_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings_or_exit()
    assert stopped.value.code != 0
    assert capsys.readouterr().err.startswith(message)


def test_smtps_with_a_login_is_read_and_its_password_never_shown() -> None:
    url = "smtps://fees%40school.ac.ke:s3cret-pass@smtp.example.com"
    settings = Settings(smtp_url=url, email_from="Kilimani fees <fees@school.ac.ke>")
    server = SmtpServer.from_url(settings.smtp_url or "")
    assert (server.host, server.port, server.tls) == ("smtp.example.com", 465, True)
    assert (server.username, server.password) == ("fees@school.ac.ke", "s3cret-pass")
    assert "s3cret-pass" not in repr(settings) and "smtp.example.com" in repr(settings)
    plain = SmtpServer.from_url("smtp://localhost:2525")
    assert (plain.port, plain.tls, plain.username) == (2525, False, None)


def test_without_smtp_there_is_no_email_channel_and_no_error() -> None:
    settings = Settings()
    assert (settings.smtp_url, settings.email_from) == (None, None)
