"""Composing the M-Pesa desk from Services: the Daraja client with a shared token store, the scheduler,
the credentials opener and the callback URL. ``create_app`` composes it first and hands ``push_scheduler``
to the parent ports, so that recorded requests are pushed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from bot.bootstrap import Services
from bot.crypto import SecretBox
from bot.mpesa.credentials import credentials_for
from bot.mpesa.desk import MpesaDesk, utc_now
from bot.mpesa.scheduling import RqScheduler, Scheduler, ThreadScheduler, Timings
from bot.mpesa.tasks import run_task
from bot.settings import Settings
from ledger.records.tables import School
from providers.daraja import DarajaClient, MemoryTokenStore, RedisTokenStore
from providers.daraja_types import MpesaGateway, Shortcode


def daraja_gateway(services: Services) -> MpesaGateway | None:
    """The Daraja client for KARO_DARAJA_API_URL, its OAuth tokens shared through Redis when configured."""
    url = services.settings.daraja_api_url
    if url is None:
        return None
    tokens = RedisTokenStore(services.redis) if services.redis is not None else MemoryTokenStore()
    return DarajaClient(url, tokens)


def stk_callback_url(settings: Settings) -> str | None:
    if not settings.public_url or not settings.webhook_token:
        return None
    return f"{settings.public_url}/daraja/stk/{settings.webhook_token.get_secret_value()}"


def credentials_opener(settings: Settings) -> Callable[[School], Shortcode]:
    box = SecretBox(settings.secret_key) if settings.secret_key else None

    def open_for(school: School) -> Shortcode:
        return credentials_for(school, box, settings.daraja_api_url)

    return open_for


def compose_mpesa(
    services: Services,
    *,
    gateway: MpesaGateway | None = None,
    scheduler: Scheduler | None = None,
    timings: Timings | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> MpesaDesk:
    """The desk over ``services``; tests pass a gateway, a scheduler or faster timings."""
    if scheduler is None:
        scheduler = RqScheduler(services.redis) if services.redis is not None else ThreadScheduler()
    desk = MpesaDesk(
        sessions=services.sessions,
        gateway=gateway if gateway is not None else daraja_gateway(services),
        credentials=credentials_opener(services.settings),
        scheduler=scheduler,
        callback_url=stk_callback_url(services.settings),
        timings=timings or Timings(),
        clock=clock,
    )
    if isinstance(scheduler, ThreadScheduler) and scheduler.run is None:
        scheduler.run = partial(run_task, desk)
    return desk


def push_scheduler(desk: MpesaDesk) -> Callable[[int], None] | None:
    """What the parent ports call once a request is recorded: the desk's ``schedule_push``.

    Without Daraja (no KARO_DARAJA_API_URL and no gateway given) None: requests are recorded and left
    PENDING, as before there was a desk: there is nothing to push them to.
    """
    return desk.schedule_push if desk.gateway is not None else None
