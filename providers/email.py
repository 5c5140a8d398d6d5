"""Email over SMTP: one message (plain text and HTML, attachments) to one address, and how it went.

The client is the standard library's ``smtplib``: maintained with CPython, blocking like the rest of the
outbox's senders (which run in a worker or a thread, never on an event loop), so an async client such as
aiosmtplib would only add a loop to drive. ``smtp://`` upgrades with STARTTLS when the server offers it
(and sends in clear to one that does not, as a local sink); ``smtps://`` is TLS from the first byte.

SMTP's answer maps onto ``providers.messaging``: a 2xx is accepted (the server's queue id, else our
Message-ID, as the provider id); a 5xx is refused for good (``bounced`` when the recipient was refused);
a 4xx, a timeout or a dropped connection is transient. A bounce that arrives later as a mail of its own
(a relay's DSN) is not read.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from providers.messaging import SendResult, TransientSendError

PROVIDER = "smtp"
SCHEMES = {"smtp": 587, "smtps": 465}


class BadSmtpUrl(ValueError):
    """Not an ``smtp://`` or ``smtps://[user:pass@]host[:port]`` URL."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise BadSmtpUrl("must be an smtp:// or smtps://user:pass@host:port URL")
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError as error:
            raise BadSmtpUrl(f"bad port: {error}") from None
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, parts.scheme == "smtps", user, password)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/pdf"


@dataclass(frozen=True)
class Email:
    """One message, ready to send: its parts are already in the reader's language."""

    to: str
    subject: str
    text: str
    html: str
    language: str = "en"
    attachments: tuple[Attachment, ...] = field(default=())


class SmtpMailer:
    """Sends each ``Email`` on its own connection (the outbox sends one at a time, a few a second)."""

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        timeout: float = 10.0,
        tls: ssl.SSLContext | None = None,  # the system's trusted CAs unless given (tests trust their own)
    ) -> None:
        self.server, self.sender, self.timeout = server, sender, timeout
        self.tls = tls or ssl.create_default_context()

    def send_email(self, email: Email) -> SendResult:
        message = self.compose(email)
        try:
            with self._connect() as smtp:
                answer = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return _refused_or_retry(code, text, bounced=True)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPAuthenticationError) as error:
            return _refused_or_retry(error.smtp_code, error.smtp_error, bounced=False)
        except (smtplib.SMTPException, OSError) as error:  # refused connection, timeout, dropped, TLS
            raise TransientSendError(f"SMTP {type(error).__name__}: {error}") from error
        if answer:  # some recipient refused without an exception: we send to one, so it was that one
            code, text = next(iter(answer.values()))
            return _refused_or_retry(code, text, bounced=True)
        return SendResult(accepted=True, provider_id=str(message["Message-ID"])[:80], status="250")

    def compose(self, email: Email) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, email.to, email.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid("karo", domain=self.sender.rpartition("@")[2].strip("> ") or None)
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        for attached in email.attachments:
            kind, _, subtype = attached.mime.partition("/")
            message.add_attachment(
                attached.content, maintype=kind, subtype=subtype, filename=attached.filename
            )
        message["Content-Language"] = email.language  # after the parts: setting content clears Content-*
        return message

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=self.tls
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self.tls)
                smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password or "")
        return smtp


def _refused_or_retry(code: int, text: bytes | str, *, bounced: bool) -> SendResult:
    said = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    reason = f"{code} {said}".strip()
    if 400 <= code < 500:
        raise TransientSendError(f"SMTP {reason}")
    return SendResult(accepted=False, status="bounced" if bounced else str(code), reason=reason)
