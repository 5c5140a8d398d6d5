"""What the dashboard is built with: the session signer, the password hasher and a clock tests can set."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from itsdangerous import URLSafeTimedSerializer
from pydantic import SecretStr

from bot.dashboard.passwords import Passwords
from ledger.clock import utc_now

log = logging.getLogger(__name__)

SESSION_SALT = "karo.dashboard.session"


@dataclass
class DashboardConfig:
    """Kept on ``app.state.dashboard``; a test swaps ``clock`` to move time without sleeping."""

    signer: URLSafeTimedSerializer
    passwords: Passwords = field(default_factory=Passwords)
    clock: Callable[[], dt.datetime] = utc_now


def dashboard_config(secret_key: SecretStr | None) -> DashboardConfig:
    """Sessions signed with KARO_SECRET_KEY; without one, a key for this process only (the demo),
    so signing in again is needed after a restart."""
    if not secret_key:
        log.warning("KARO_SECRET_KEY is not set: dashboard sessions end when this process stops")
        secret_key = SecretStr(secrets.token_urlsafe(32))
    return DashboardConfig(signer=URLSafeTimedSerializer(secret_key.get_secret_value(), salt=SESSION_SALT))
