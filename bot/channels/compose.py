"""Composing each channel's handler from the Services: session store, ports, the school behind a code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.bootstrap import Services
from bot.channels.chat import InboundHandler
from bot.channels.conversations import MemorySessionStore, RedisSessionStore, SessionStore
from bot.channels.directory import LedgerDirectory, NairobiClock, RecordingPayments
from bot.channels.ussd.handler import UssdHandler
from flows.ports import Ports


@dataclass(frozen=True)
class Channels:
    store: SessionStore
    ussd: UssdHandler
    inbound: InboundHandler


def session_store(services: Services) -> SessionStore:
    """Redis when configured (shared by every worker process), else in this process (the embedded default)."""
    return RedisSessionStore(services.redis) if services.redis is not None else MemorySessionStore()


def parent_ports(services: Services, channel: str) -> Ports:
    clock = NairobiClock()
    return Ports(
        directory=LedgerDirectory(services.sessions, clock),
        payments=RecordingPayments(services.sessions, clock, channel, services.settings.daraja_api_url),
        clock=clock,
    )


def _ussd_handler(services: Services, store: SessionStore) -> UssdHandler:
    ports = parent_ports(services, "ussd")
    directory = ports.directory
    assert isinstance(directory, LedgerDirectory)
    # A school's own USSD code goes straight to it; any other code is the deployment's shared one. Asked
    # through the directory, so that on PostgreSQL it shares the hop's one session.
    school_for_code = directory.school_for_ussd_code
    if services.engine.dialect.name == "sqlite":
        # SQLite transactions begin IMMEDIATE (one writer): a hop-long read session would block the
        # hop's own writes (a payment request, a language change). The embedded default skips it.
        return UssdHandler(store, ports, school_for_code)
    return UssdHandler(store, ports, school_for_code, unit_of_work=directory.one_session)


def compose_channels(services: Services, store: SessionStore | None = None) -> Channels:
    store = store if store is not None else session_store(services)
    return Channels(
        store=store,
        ussd=_ussd_handler(services, store),
        inbound=InboundHandler(
            store,
            lambda channel: parent_ports(services, channel),
            services.sessions,
            lambda: dt.datetime.now(dt.UTC),
        ),
    )
