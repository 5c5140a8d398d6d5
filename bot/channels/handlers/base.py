"""What every channel handler does, and the registry the dispatcher and the webhook routes ask.

A handler's ``send`` is given one outbox message. Which channel carries it is decided first
(``ledger.messaging.routing.choose_channel``); the registry gives that channel's handler, or SMS's when the
channel is not configured here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from bot.channels.interactive import KEY as INTERACTIVE
from bot.routes.edge import Rules
from bot.settings import Settings
from ledger.sms_parts import gsm_friendly
from providers.email import Email
from providers.inbound import IncomingMessage
from providers.messaging import DeliveryUpdate, Interactive, SendResult, SmsSender, WhatsAppSender


@runtime_checkable
class SentLookup(Protocol):
    """A provider that can say whether it took a message: how recovery avoids sending one twice."""

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The provider's id of a message with this recipient and body sent since then, if any.

        ``to`` is the phone for SMS and ``whatsapp:+2547...`` for WhatsApp. Raises when the provider
        cannot answer (the message is then left as it is, to ask again later).
        """
        ...


@dataclass(frozen=True)
class Outgoing:
    """What a send needs, copied out of the row so no transaction is open while the provider is called."""

    id: int
    phone: str
    channel: str
    body: str
    template_id: str | None
    template_vars: dict[str, str] | None
    attempts: int
    media_url: str | None = None  # a document to send along where the channel can (WhatsApp free text)
    sender_id: str | None = None  # the school's own SMS sender ID (School.sms_sender_id), if it has one
    twilio_sms_from: str | None = None  # the school's own Twilio SMS number, if it has one
    twilio_whatsapp_from: str | None = None  # the school's own WhatsApp sender, if it has one
    preferred: str | None = None  # the guardian's preferred channel (None: the phone is no guardian's)
    email: Email | None = None  # the message as an email, when it may go by email (``bot.outbox.emails``)


class ChannelHandler:
    """One provider's channel (courier's handler): its name in the outbox and rate limits, how its webhooks
    are verified, how it reads an incoming message (``receive``) and a status callback (``status``), each
    with the field rules its form is checked against first, what it answers, and how it sends."""

    provider: ClassVar[str]
    channel: ClassVar[str]
    receive_rules: ClassVar[Rules]
    status_rules: ClassVar[Rules]

    @staticmethod
    def receive(form: Mapping[str, str]) -> IncomingMessage:
        """The webhook form of an incoming message, read (``MalformedCallback`` if it cannot be)."""
        raise NotImplementedError

    @staticmethod
    def status(form: Mapping[str, str]) -> DeliveryUpdate:
        """The webhook form of a delivery report or status callback, read."""
        raise NotImplementedError

    @staticmethod
    def received() -> Response:
        return PlainTextResponse("OK")

    @staticmethod
    def status_taken() -> Response:
        return PlainTextResponse("OK")

    @staticmethod
    async def verify(request: Request, settings: Settings) -> bool:
        """Whether the webhook is the provider's. A token in the path is checked by the router
        (``bot.routes.deps.WebhookRouter``) before this; a signed provider checks its signature here."""
        return True

    def send(self, message: Outgoing, window_open: bool) -> SendResult:
        raise NotImplementedError

    def lookup(self) -> SentLookup | None:
        """The client, if it can list what it sent (``Dispatcher.recover``)."""
        client = getattr(self, "client", None)
        return client if isinstance(client, SentLookup) else None


class SmsHandler(ChannelHandler):
    """Any message, as SMS: its typographic characters made GSM-7, so it costs GSM-7 segments; the text
    alone, never a document."""

    channel = "sms"

    def __init__(self, client: SmsSender, sender_id: str | None = None) -> None:
        self.client, self.sender_id = client, sender_id

    def schools_sender(self, message: Outgoing) -> str | None:
        """The `from` of the school's own on this provider (a sender ID, a number), if it has one."""
        return None

    def send(self, message: Outgoing, window_open: bool) -> SendResult:
        sender = self.schools_sender(message) or self.sender_id
        return self.client.send_sms(message.phone, gsm_friendly(message.body), sender_id=sender)


class WhatsAppHandler(ChannelHandler):
    """Free text inside the 24-hour window (with its document, if any), an approved template outside it."""

    channel = "whatsapp"

    def __init__(self, client: WhatsAppSender) -> None:
        self.client = client

    def send(self, message: Outgoing, window_open: bool) -> SendResult:
        sender = message.twilio_whatsapp_from  # the school's own WhatsApp sender, else the deployment's
        menu = (message.template_vars or {}).get(INTERACTIVE) if not message.template_id else None
        if window_open and menu:  # a list or reply buttons, the numbered text where they cannot go
            return self.client.send_interactive(
                message.phone, Interactive.from_json(menu), message.body, sender=sender
            )
        if window_open or not message.template_id:
            return self.client.send_whatsapp(
                message.phone, message.body, media_url=message.media_url, sender=sender
            )
        return self.client.send_template(
            message.phone, message.template_id, message.template_vars or {}, sender=sender
        )


class Registry:
    """The channels Karo sends on, one handler each; SMS is always there."""

    def __init__(self, handlers: Sequence[ChannelHandler]) -> None:
        if not any(handler.channel == "sms" for handler in handlers):
            raise ValueError("a registry needs an SMS handler: every message can fall back to SMS")
        self.handlers = tuple(handlers)
        self.by_channel: dict[str, ChannelHandler] = {}
        for handler in handlers:
            self.by_channel.setdefault(handler.channel, handler)

    def carries(self, channel: str) -> bool:
        return channel in self.by_channel

    def handler_on(self, channel: str) -> ChannelHandler:
        """The handler of ``channel``, or SMS's when that channel is not configured."""
        return self.by_channel.get(channel) or self.by_channel["sms"]

    def lookups(self) -> dict[str, SentLookup]:
        """The providers that can say whether they took a message. Twilio can (it lists its messages);
        Africa's Talking cannot (``fetch_messages`` reads only the inbox), so an SMS interrupted mid-send
        there is left for review rather than risk sending it twice."""
        found = ((handler.provider, handler.lookup()) for handler in self.handlers)
        return {provider: lookup for provider, lookup in found if lookup is not None}
