"""Email over SMTP (``providers.email``): no webhooks (a bounce is the SMTP server's answer to the send,
recorded as the outcome); it sends the email the dispatcher composed for the message
(``bot.outbox.emails``)."""

from __future__ import annotations

from bot.channels.handlers.base import ChannelHandler, Outgoing
from providers import email
from providers.messaging import SendResult


class EmailHandler(ChannelHandler):
    provider = email.PROVIDER
    channel = "email"

    def __init__(self, client: email.SmtpMailer) -> None:
        self.client = client

    def send(self, message: Outgoing, window_open: bool) -> SendResult:
        if message.email is None:  # the router only picks email for a message composed as one
            return SendResult(accepted=False, status="no-address", reason="no email address to send to")
        return self.client.send_email(message.email)
