"""The road out: provider adapters from settings, the outbox dispatcher, and where it runs.

With Redis, ``karo worker`` runs the ``dispatch_outbox`` job (enqueued by the scheduler); without it
(the embedded default), a thread of the web process sends from the outbox every few seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from bot.bootstrap import Services
from bot.channels.conversations import SessionStore
from bot.outbox.dispatcher import SEND_TIMEOUT, Dispatcher, Senders, SentLookup
from bot.outbox.ratelimit import LocalRateLimiter, RateLimiter, RedisPacedRateLimiter
from bot.settings import Settings
from providers.africastalking import AfricasTalkingSms
from providers.twilio import TwilioMessaging

log = logging.getLogger(__name__)

# Messages per second each provider takes from us (Twilio: 1/s per long code, more on short codes;
# AT publishes no figure): conservative defaults, lifted in benchmarks.
RATES = {"africastalking": 20.0, "twilio": 10.0}


class ProvidersNotConfigured(Exception):
    """No SMS provider is set (KARO_AT_* or KARO_TWILIO_*), so nothing can be sent."""


def senders_from(settings: Settings) -> Senders:
    """Africa's Talking for SMS when configured (else Twilio SMS); Twilio for WhatsApp when configured."""
    twilio = None
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = TwilioMessaging(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_api_url,
            sms_from=settings.twilio_sms_from,
            whatsapp_from=settings.twilio_whatsapp_from,
            timeout=SEND_TIMEOUT,
            callback_base_url=settings.public_url,
        )
    if settings.at_username and settings.at_api_key:
        sms = AfricasTalkingSms(
            settings.at_username,
            settings.at_api_key.get_secret_value(),
            settings.at_api_url,
            timeout=(3.05, SEND_TIMEOUT),
        )
        return Senders(sms=sms, sms_provider="africastalking", whatsapp=twilio)
    if twilio is not None and settings.twilio_sms_from:
        return Senders(sms=twilio, sms_provider="twilio", whatsapp=twilio)
    raise ProvidersNotConfigured("set KARO_AT_USERNAME and KARO_AT_API_KEY (or Twilio's) to send messages")


def lookups_from(senders: Senders) -> dict[str, SentLookup]:
    """The providers that can say whether they took a message, for ``Dispatcher.recover``.

    Twilio can (``TwilioMessaging.find_sent`` lists its messages). Africa's Talking cannot: its API sends
    and reports delivery, and ``fetch_messages`` reads only the inbox of incoming SMS, so an SMS
    interrupted mid-send there is left for review rather than risk sending it twice.
    """
    lookups: dict[str, SentLookup] = {}
    pairs = ((senders.sms_provider, senders.sms), (senders.whatsapp_provider, senders.whatsapp))
    for provider, sender in pairs:
        if isinstance(sender, SentLookup):
            lookups[provider] = sender
    return lookups


def limiter_for(services: Services, rates: dict[str, float] | None = None) -> RateLimiter:
    """Evenly spaced sends per provider: shared by every worker through Redis, else in this process."""
    rates = RATES if rates is None else rates
    if services.redis is None:
        return LocalRateLimiter(rates)
    return RedisPacedRateLimiter(services.redis, rates)


def build_dispatcher(
    services: Services, store: SessionStore, rates: dict[str, float] | None = None
) -> Dispatcher:
    def window_open(phone: str) -> bool:
        return store.load(f"wa-window:{phone}") is not None

    return Dispatcher(
        services.sessions,
        senders_from(services.settings),
        limiter_for(services, rates),
        lambda: dt.datetime.now(dt.UTC),
        whatsapp_window_open=window_open,
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
        self.dispatcher.recover(lookups_from(self.dispatcher.senders))
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatcher.run()
            except Exception:  # keep sending later; the failure is in the log, the rows say where it stopped
                log.exception("sending from the outbox failed")
            self._stop.wait(self.every_seconds)
