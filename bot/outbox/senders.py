"""The road out: the outbox dispatcher over the registered channels (``bot.channels.handlers.registry``),
and where it runs.

With Redis, ``karo worker`` runs the ``dispatch_outbox`` job (enqueued by the scheduler); without it
(the embedded default), a thread of the web process sends from the outbox every few seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.bootstrap import Services
from bot.channels.chat import window_key
from bot.channels.conversations import ConversationStore
from bot.channels.handlers.registry import registry_from, sends_whatsapp
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import LocalRateLimiter, RateLimiter, RedisPacedRateLimiter

log = logging.getLogger(__name__)

# Messages per second each provider takes from us (Twilio: 1/s per long code, more on short codes;
# AT publishes no figure): conservative defaults, lifted in benchmarks.
RATES = {"africastalking": 20.0, "twilio": 10.0, "smtp": 5.0}


def limiter_for(services: Services, rates: dict[str, float] | None = None) -> RateLimiter:
    """Evenly spaced sends per provider: shared by every worker through Redis, else in this process."""
    rates = RATES if rates is None else rates
    if services.redis is None:
        return LocalRateLimiter(rates)
    return RedisPacedRateLimiter(services.redis, rates)


def window_check(store: ConversationStore) -> Callable[[str], bool]:
    """Whether a phone's WhatsApp 24-hour window is open now (the parent wrote within it)."""

    def window_open(phone: str) -> bool:
        return store.load(window_key(phone)) is not None

    return window_open


def whatsapp_window(services: Services, store: ConversationStore) -> Callable[[str], bool]:
    """The window as the dispatcher will see it: shut for every phone when no WhatsApp channel is set."""
    return window_check(store) if sends_whatsapp(services.settings) else lambda phone: False


def build_dispatcher(
    services: Services, store: ConversationStore, rates: dict[str, float] | None = None
) -> Dispatcher:
    return Dispatcher(
        services.sessions,
        registry_from(services.settings),
        limiter_for(services, rates),
        lambda: dt.datetime.now(dt.UTC),
        whatsapp_window_open=window_check(store),
    )


@dataclass
class InProcessSender:
    """Sends from the outbox in a thread of this process: the embedded default, without Redis or workers."""

    dispatcher: Dispatcher
    every_seconds: float = 2.0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-sender", daemon=True)

    def start(self) -> InProcessSender:
        self.dispatcher.recover(self.dispatcher.channels.lookups())
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatcher.run(stopping=self._stop.is_set)
            except Exception:  # keep sending later; the failure is in the log, the rows say where it stopped
                log.exception("sending from the outbox failed")
            self._stop.wait(self.every_seconds)
