"""What the web process runs beside its routes on the embedded default (no Redis): the outbox sender and
the schedule (late fees, reminders, the STK request sweep), started and stopped by the app's lifespan.

``karo serve`` and ``karo demo`` both run it; with Redis, ``karo worker`` and ``karo scheduler`` do this
work and the web process only serves. The M-Pesa desk's own timers (the push a few seconds after the USSD
session, the queries) run in this process whenever there is no Redis; the lifespan stops them on exit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial

from bot.bootstrap import Services
from bot.channels.conversations import ConversationStore
from bot.mpesa.desk import MpesaDesk
from bot.mpesa.recovery import sweep
from bot.mpesa.scheduling import ThreadScheduler
from bot.settings import Settings

log = logging.getLogger(__name__)

SEND_EVERY_SECONDS = 2.0  # how long a queued receipt or reply waits for the sender at most


@dataclass(frozen=True)
class Background:
    """Which background work the app runs while it serves."""

    send: bool  # send from the outbox in a thread
    schedule: bool  # fee rules, reminders and the STK sweep in a thread
    send_every_seconds: float = SEND_EVERY_SECONDS
    rates: dict[str, float] | None = None  # messages a second per provider; None: ``outgoing.RATES``

    @classmethod
    def without_redis(cls, settings: Settings) -> Background:
        """All of it when there is no Redis (no workers to do it), none of it otherwise."""
        embedded = settings.redis_url is None
        return cls(send=embedded, schedule=embedded)


@contextmanager
def running(
    background: Background, services: Services, store: ConversationStore, desk: MpesaDesk
) -> Iterator[None]:
    """The background work for as long as the block lasts; the M-Pesa timers are stopped after it."""
    from bot.channels.handlers.registry import ProvidersNotConfigured
    from bot.jobs.schedule import InProcessSchedule
    from bot.outbox.senders import InProcessSender, build_dispatcher
    from bot.webhooks_out.compose import in_process_webhooks

    with ExitStack() as stack:
        if isinstance(desk.scheduler, ThreadScheduler):
            stack.callback(desk.scheduler.stop)
        if background.send:
            try:
                dispatcher = build_dispatcher(services, store, background.rates)
            except ProvidersNotConfigured as error:
                log.warning("not sending from the outbox: %s", error)
            else:
                sender = InProcessSender(dispatcher, background.send_every_seconds)
                stack.callback(sender.start().stop)
        if background.send:  # the school systems' webhooks, beside the messages (bot.webhooks_out)
            stack.callback(in_process_webhooks(services, background.send_every_seconds).start().stop)
        if background.schedule:
            stack.callback(InProcessSchedule(services, sweep_stk=partial(sweep, desk)).start().stop)
        yield
