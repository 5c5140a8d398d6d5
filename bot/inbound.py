"""A message a parent sent by SMS or WhatsApp: answered once, in order per phone, through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

import flows
from bot.sessions import SessionStore
from flows.ports import Ports
from ledger.errors import InvalidPhone
from ledger.outbox import Category, enqueue
from ledger.phones import normalise_phone
from providers.inbound import IncomingMessage

CHAT_TTL_SECONDS = 30 * 60
CLAIM_TTL_SECONDS = 3 * 24 * 3600  # providers redeliver for hours at most
WINDOW = dt.timedelta(hours=24)  # WhatsApp free-form replies are allowed this long after the parent wrote


class InboundHandler:
    def __init__(
        self,
        store: SessionStore,
        ports: Callable[[str], Ports],
        sessions: sessionmaker[Session],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.store = store
        self.ports = ports
        self.sessions = sessions
        self.clock = clock

    def handle(self, message: IncomingMessage) -> bool:
        """Answer ``message`` unless it was handled before; True when this call handled it."""
        claim = f"inbound:{message.provider}:{message.provider_id}"
        if not self.store.claim(claim, CLAIM_TTL_SECONDS):
            return False
        try:
            self._answer(message)
        except BaseException:
            self.store.release(claim)  # let the provider's redelivery try again
            raise
        return True

    def _answer(self, message: IncomingMessage) -> None:
        phone = _e164_or_raw(message.phone)
        key = f"chat:{phone}"
        with self.store.lock(key):  # one phone's messages one at a time, in order
            if message.channel == "whatsapp":
                self.store.save(
                    f"wa-window:{phone}", {"at": self.clock().isoformat()}, int(WINDOW.total_seconds())
                )
            saved = self.store.load(key)
            previous = flows.Conversation.from_dict(saved) if saved else None
            text = message.button_payload or message.text
            conversation, screen = flows.converse(previous, phone, text, self.ports(message.channel))
            self.store.save(key, conversation.to_dict(), CHAT_TTL_SECONDS)
            with self.sessions.begin() as session:
                enqueue(
                    session,
                    dedupe_key=f"reply:{message.provider}:{message.provider_id}",
                    phone=phone,
                    body=screen.render(),
                    category=Category.REPLY,
                    now=self.clock(),
                    channel=message.channel,
                )

    def whatsapp_window_open(self, phone: str) -> bool:
        """Whether the parent wrote on WhatsApp within the last 24 hours."""
        return self.store.load(f"wa-window:{phone}") is not None


def _e164_or_raw(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()[:20]
