"""RQ jobs: plain importable functions; the worker process builds its Services from the environment."""

from __future__ import annotations

from dataclasses import asdict

from bot.bootstrap import bootstrap
from bot.outgoing import build_dispatcher
from bot.sessions import RedisSessionStore
from bot.settings import get_settings


def dispatch_outbox(batch: int = 100) -> dict[str, int]:
    """Send every due outbox message (after settling what a dead worker left half-done)."""
    services = bootstrap(get_settings())
    try:
        if services.redis is None:
            raise RuntimeError("dispatch_outbox runs under an RQ worker, which needs KARO_REDIS_URL")
        dispatcher = build_dispatcher(services, RedisSessionStore(services.redis))
        dispatcher.recover({})
        return asdict(dispatcher.run(batch=batch))
    finally:
        services.close()
