"""A message a parent sent by SMS or WhatsApp: kept first, then answered once, in order per phone, through
the outbox.

The message is a row (``bot.channels.tables.InboundMessage``) before anything else is done with it: while
Redis (the
conversation store) cannot be reached it waits there, and the provider still gets its 200. Waiting messages
are answered, oldest first, at the next inbound message and by the worker's sweep (``bot.jobs.periodic``).
The row is
also how a redelivered webhook is recognised; its reply's outbox key makes the answer go out once.
A WhatsApp reply about a receipt (``Screen.receipt_pdf``) carries the link to its PDF; an SMS reply never
does. A WhatsApp reply with options also carries them as a menu to tap (``bot.channels.interactive``), sent as
a list or reply buttons inside the window, its numbered text the body otherwise; a tap comes back as the
option's id (``button_payload``), read like typed text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import flows
from bot.channels.conversations import ConversationBusy, ConversationStore
from bot.channels.interactive import KEY as INTERACTIVE
from bot.channels.interactive import menu_of, stamp, tapped
from bot.channels.tables import InboundMessage
from flows.ports import Ports
from ledger.errors import InvalidPhone
from ledger.messaging.outbox import Category, enqueue
from ledger.phones import normalise_phone
from ledger.records.parents import school_for_number
from providers.inbound import IncomingMessage

log = logging.getLogger(__name__)

DocumentLink = Callable[[int], str | None]  # a payment's receipt PDF -> its public link, if one can be made
CHAT_TTL_SECONDS = 30 * 60
WINDOW = dt.timedelta(hours=24)  # WhatsApp free-form replies are allowed this long after the parent wrote
DOCUMENT_BODY = ""  # a WhatsApp document goes alone: Twilio would drop a caption
BATCH = 50  # waiting messages answered in one go (after an outage, the rest at the next call)


def window_key(phone: str) -> str:
    """The session-store key that exists while the parent's WhatsApp window is open (``WINDOW``)."""
    return f"wa-window:{phone}"


class InboundHandler:
    """Answers what parents write by SMS or WhatsApp: keeps each message as a row first (``receive``, from
    the provider routes), then answers waiting messages oldest first, one phone at a time under the store's
    lock, by stepping the flow and writing the reply to the outbox (``answer_waiting``, also the worker's
    sweep in ``bot.jobs.periodic``).

    It holds the conversation store, a factory of the flows' ports per channel (``bot.channels.compose``
    hands it ``parent_ports`` with the M-Pesa desk's ``schedule_push``), the database session factory, the
    clock, and what links a receipt's PDF for WhatsApp (``bot.documents.links``; None: no documents).
    """

    def __init__(
        self,
        store: ConversationStore,
        ports: Callable[[str], Ports],
        sessions: sessionmaker[Session],
        clock: Callable[[], dt.datetime],
        receipt_link: DocumentLink | None = None,
    ) -> None:
        self.store = store
        self.ports = ports
        self.sessions = sessions
        self.clock = clock
        self.receipt_link = receipt_link

    def receive(self, message: IncomingMessage) -> bool:
        """Keep ``message`` (a redelivery is the same row), then answer what waits; False if it must wait."""
        self._keep(message)
        try:
            self.answer_waiting()
        except (RedisError, ConversationBusy):
            log.warning("inbound messages wait: the conversation store is unavailable", exc_info=True)
            return False
        return True

    def answer_waiting(self, limit: int = BATCH) -> int:
        """Answer messages kept but not yet answered, oldest first; how many were looked at."""
        with self.sessions() as session:
            waiting = session.scalars(
                select(InboundMessage.id)
                .where(InboundMessage.answered_at.is_(None))
                .order_by(InboundMessage.id)
                .limit(limit)
            ).all()
        for message_id in waiting:
            try:
                self._answer(message_id)
            except (RedisError, ConversationBusy):
                raise  # the store is away: every later message waits too
            except Exception:  # one message the flow fails on must not hold up everyone else's answers
                log.exception("inbound message %s not answered; it waits for the next try", message_id)
        return len(waiting)

    def _keep(self, message: IncomingMessage) -> None:
        row = InboundMessage(
            provider=message.provider,
            provider_id=message.provider_id,
            channel=message.channel,
            phone=_e164_or_raw(message.phone),
            to=message.to,
            text=message.text,
            link_id=message.link_id,
            button_payload=message.button_payload,
            sent_at=message.received_at,
            received_at=self.clock(),
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # (provider, provider_id) is kept already: the provider redelivered it
            log.info("inbound %s %s was kept before", message.provider, message.provider_id)

    def _answer(self, message_id: int) -> None:
        with self.sessions() as session:
            phone = session.scalar(select(InboundMessage.phone).where(InboundMessage.id == message_id))
        key = f"chat:{phone}"
        with self.store.lock(key):  # one phone's messages one at a time, in order, across processes
            with self.sessions() as session:
                message = session.get(InboundMessage, message_id)
                if message is None or message.answered_at is not None:
                    return  # another process answered it while this one waited for the lock
                # Written to a school's own number: that school's conversation, answered from that number.
                school_id = school_for_number(session, message.to)
                session.expunge(message)
            # The flow reads (and may write, e.g. a payment request) through its own sessions: no
            # transaction is held open across it (SQLite has one writer).
            screen, conversation = self._converse(message, key, school_id)
            reply_key = f"reply:{message.provider}:{message.provider_id}"
            whatsapp = message.channel == "whatsapp"
            menu = menu_of(screen, conversation.language, stamp(conversation)) if whatsapp else None
            with self.sessions.begin() as session:
                reply, created = enqueue(
                    session,
                    dedupe_key=reply_key,
                    phone=message.phone,
                    body=screen.render(),
                    category=Category.REPLY,
                    now=self.clock(),
                    channel=message.channel,
                    school_id=school_id,
                )
                if (
                    created and menu is not None
                ):  # a list or buttons inside the window; the body is the fallback
                    reply.template_vars = {INTERACTIVE: menu.to_json()}
                if (document := self._document(message.channel, screen)) is not None:
                    # Its own message after the text: Twilio sends a WhatsApp document without its
                    # caption, so text and PDF in one message would lose the text.
                    enqueue(
                        session,
                        dedupe_key=f"{reply_key}:document",
                        phone=message.phone,
                        body=DOCUMENT_BODY,
                        category=Category.REPLY,
                        now=self.clock(),
                        channel=message.channel,
                        media_url=document,
                        school_id=school_id,
                    )
                session.get_one(InboundMessage, message_id).answered_at = self.clock()

    def _document(self, channel: str, screen: flows.Screen) -> str | None:
        """The link to the receipt PDF the reply is about, on WhatsApp (the one channel that carries it)."""
        if channel != "whatsapp" or screen.receipt_pdf is None or self.receipt_link is None:
            return None
        return self.receipt_link(screen.receipt_pdf)

    def _converse(
        self, message: InboundMessage, key: str, school_id: int | None
    ) -> tuple[flows.Screen, flows.Conversation]:
        """The flow's answer to ``message`` and the conversation, saved."""
        if message.channel == "whatsapp":
            self.store.save(
                window_key(message.phone), {"at": self.clock().isoformat()}, int(WINDOW.total_seconds())
            )
        saved = self.store.load(key)
        previous = flows.Conversation.from_dict(saved) if saved else None
        text = tapped(message.button_payload, previous) if message.button_payload else message.text
        ports = self.ports(message.channel)
        conversation, screen = flows.converse(previous, message.phone, text, ports, school_id=school_id)
        self.store.save(key, conversation.to_dict(), CHAT_TTL_SECONDS)
        return screen, conversation


def _e164_or_raw(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()[:16]
