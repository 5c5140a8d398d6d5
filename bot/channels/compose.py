"""Composing each channel's handler from the Services: the conversation store, the ports, and the M-Pesa
desk's ``schedule_push`` handed to the payment port (``create_app`` builds the desk first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.channels.chat import InboundHandler
from bot.channels.conversations import ConversationStore, MemoryConversationStore, RedisConversationStore
from bot.channels.directory import LedgerDirectory, NairobiClock, RecordingPayments
from bot.channels.ussd.handler import HopPorts, UssdHandler
from bot.documents.links import receipt_links
from flows.ports import Ports

SchedulePush = Callable[[int], None]  # the M-Pesa desk's: push a recorded STK request a little later


@dataclass(frozen=True)
class Channels:
    store: ConversationStore
    ussd: UssdHandler
    inbound: InboundHandler


def conversation_store(services: Services) -> ConversationStore:
    """Redis when configured (shared by every worker process), else in this process (the embedded default)."""
    return RedisConversationStore(services.redis) if services.redis is not None else MemoryConversationStore()


def parent_ports(
    services: Services, channel: str, schedule_push: SchedulePush | None, hop: Session | None = None
) -> Ports:
    """The ports one conversation turn reads and records through; ``hop``: its one read session, if any."""
    clock = NairobiClock()
    return Ports(
        directory=LedgerDirectory(services.sessions, clock, hop),
        payments=RecordingPayments(
            services.sessions, clock, channel, services.settings.daraja_api_url, schedule_push, hop
        ),
        clock=clock,
    )


@dataclass(frozen=True)
class UssdHops:
    """Opens each USSD hop's unit of work: with ``shared_session``, one database session for all of the
    hop's reads, the school behind the dialled code included (one pool checkout and transaction per hop,
    bench/README "USSD"), handed to the ports it builds; else each read opens its own short session."""

    services: Services
    schedule_push: SchedulePush | None
    shared_session: bool

    @contextmanager
    def __call__(self) -> Iterator[HopPorts]:
        with self.services.sessions() if self.shared_session else nullcontext(None) as session:
            ports = parent_ports(self.services, "ussd", self.schedule_push, session)
            directory = ports.directory
            assert isinstance(directory, LedgerDirectory)
            yield HopPorts(ports, directory.school_for_ussd_code)


def ussd_hops(services: Services, schedule_push: SchedulePush | None) -> UssdHops:
    # SQLite transactions begin IMMEDIATE (one writer): a hop-long read session would block the hop's own
    # writes (a payment request, a language change). The embedded default reads in short sessions.
    return UssdHops(services, schedule_push, shared_session=services.engine.dialect.name != "sqlite")


def compose_channels(
    services: Services, store: ConversationStore | None = None, schedule_push: SchedulePush | None = None
) -> Channels:
    """The USSD and chat handlers; ``schedule_push`` (None: payment requests are recorded and wait)."""
    store = store if store is not None else conversation_store(services)
    return Channels(
        store=store,
        ussd=UssdHandler(store, ussd_hops(services, schedule_push)),
        inbound=InboundHandler(
            store,
            lambda channel: parent_ports(services, channel, schedule_push),
            services.sessions,
            lambda: dt.datetime.now(dt.UTC),
            links.url if (links := receipt_links(services.settings)) is not None else None,
        ),
    )
