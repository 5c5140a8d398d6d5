"""Composing the concrete things Karo runs on, from settings: the one place that does so."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import ledger.models  # noqa: F401  (every table on the metadata, whichever door runs: foreign keys resolve)
from bot.settings import Settings
from ledger.db import make_engine
from ledger.messaging.bus import session_factory

# A Redis that does not answer must fail fast (readiness, "busy, try again"), not hang a request.
REDIS_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Services:
    """What the app, the jobs and the CLI are handed: no module reaches for these on its own."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis | None

    def close(self) -> None:
        """Release pooled connections (the CLI and tests call this when done)."""
        if self.redis is not None:
            self.redis.close()
        self.engine.dispose()


def connect_redis(url: str) -> Redis:
    """A client for ``url`` with short timeouts; it connects on first use."""
    return Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )


def bootstrap(settings: Settings, *, engine: Engine | None = None, redis: Redis | None = None) -> Services:
    """Services for ``settings``; pass ``engine`` or ``redis`` to use ones made elsewhere (tests)."""
    # hide_parameters: a failed statement's error (logged with its traceback) names no phone or message body.
    engine = engine if engine is not None else make_engine(settings.database_url, hide_parameters=True)
    if redis is None and settings.redis_url is not None:
        redis = connect_redis(settings.redis_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        redis=redis,
    )
