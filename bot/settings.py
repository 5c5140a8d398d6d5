"""Settings from the environment (prefix ``KARO_``): the only place Karo reads it.

A malformed setting stops start-up with one line naming the variable (``load_settings_or_exit``). Secrets
are ``SecretStr``, unwrapped only where they are used, and the URLs' passwords are masked, so a settings
object printed or logged shows none of them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from providers.email import SmtpServer

ENV_PREFIX = "KARO_"
DEFAULT_DATABASE_URL = "sqlite:///karo.db"
URLS_WITH_PASSWORDS = ("database_url", "redis_url", "smtp_url")


class Settings(BaseSettings):
    """Every setting is optional: unset provider URLs mean the local simulators, unset Redis means
    jobs and sessions run in-process, and the database defaults to a SQLite file here."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    public_url: str | None = None
    webhook_token: SecretStr | None = None
    secret_key: SecretStr | None = None

    at_username: str | None = None
    at_api_key: SecretStr | None = None
    at_api_url: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_url: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None

    daraja_api_url: str | None = None

    # Email (issue 16): smtp:// (STARTTLS when offered) or smtps://user:pass@host:port, and the From
    # address. Unset: `karo demo` runs a local sink (its inbox at email_sink_url, for the sandbox), while
    # `karo serve` has no email channel and guardians who prefer it are sent SMS.
    smtp_url: str | None = None
    email_from: str | None = Field(default=None, validate_default=True)
    email_sink_url: str | None = None

    # Approved WhatsApp templates (Twilio ContentSids) for reminders outside the 24-hour window, per
    # language, as JSON: {"en": "HX...", "sw": "HX..."}. A language without one falls back to SMS there.
    whatsapp_reminder_templates: dict[str, str] = {}

    # The browser phone at /sandbox (`karo demo`): its page carries the webhook token, so it stays off
    # in any deployment the internet can reach.
    sandbox: bool = False

    # Requests per minute per school API key (a fixed window; over it the API answers 429 with Retry-After).
    api_rate_per_minute: int = Field(default=600, ge=1)

    def with_changes(self, **changes: object) -> Settings:
        """A copy with ``changes`` checked as the environment's values are (``model_copy`` checks nothing,
        and would keep a secret given as text unwrapped)."""
        return type(self).model_validate({**self.model_dump(), **changes})

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            masked = name in URLS_WITH_PASSWORDS and isinstance(value, str)
            yield name, without_password(value) if masked else value

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        # `KARO_REDIS_URL=` in a shell or compose file means "not set", not "an empty URL".
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name or ""].default
        return value.strip() if isinstance(value, str) else value

    @field_validator("whatsapp_reminder_templates")
    @classmethod
    def _templates(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"en", "sw"}
        if unknown:
            raise ValueError(f"languages are en and sw, not {', '.join(sorted(unknown))}")
        if not all(sid.startswith("HX") for sid in value.values()):
            raise ValueError("each template is a Twilio ContentSid starting with HX")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if value.startswith(("sqlite:", "sqlite+", "postgresql+")):
            return value
        raise ValueError("must be a sqlite:// or postgresql:// URL")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is not None:
            SmtpServer.from_url(value)  # BadSmtpUrl is a ValueError: reported naming KARO_SMTP_URL
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if info.data.get("smtp_url"):
                raise ValueError("is needed with KARO_SMTP_URL: the address Karo's email comes from")
            return None
        _, address = parseaddr(value)
        if "@" not in address or not address.rpartition("@")[2] or " " in address:
            raise ValueError("must be an email address, e.g. Karo <fees@school.ac.ke>")
        return value

    @field_validator("public_url", "at_api_url", "twilio_api_url", "daraja_api_url", "email_sink_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value


def without_password(url: str) -> str:
    """``postgresql://karo:pw@db/karo`` -> ``postgresql://karo:***@db/karo``; a URL without one unchanged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user_info, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user_info.partition(':')[0]}:***@{host}").geturl()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read from the environment once per process."""
    return Settings()


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad variable, e.g. ``KARO_DATABASE_URL: must be a ... URL``."""
    first = error.errors()[0]
    name = ENV_PREFIX + "_".join(str(part) for part in first["loc"]).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}"


def load_settings_or_exit() -> Settings:
    """get_settings(), or a one-line message on stderr and exit status 2 for a malformed setting."""
    try:
        return get_settings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        raise SystemExit(2) from None
    except SettingsError as error:  # a value that should be JSON and is not
        field = str(error).split('"')[1] if '"' in str(error) else ""
        print(f'{ENV_PREFIX}{field.upper()}: must be JSON, e.g. {{"en": "HX..."}}', file=sys.stderr)
        raise SystemExit(2) from None
