"""Sending from the outbox: claim due messages, send each outside any transaction, record what happened.

A message is marked in flight (committed) just before its provider is called, so a worker killed at
any moment leaves rows that say whether they were attempted. ``recover`` requeues the never-attempted
and asks the provider about the rest, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.ratelimit import RateLimiter
from ledger import outbox
from ledger.outbox import OutboxMessage
from ledger.parents import refuses
from ledger.records import Guardian
from providers.messaging import SendResult, SmsSender, TransientSendError, WhatsAppSender

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)  # wait after the 1st, 2nd ... failed attempt
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE = dt.timedelta(minutes=5)  # a claim older than this belongs to a worker that died


class SentLookup(Protocol):
    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The provider's id of a message with this recipient and body sent since then, if any."""
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


@dataclass(frozen=True)
class Senders:
    sms: SmsSender
    sms_provider: str
    whatsapp: WhatsAppSender | None = None
    whatsapp_provider: str = "twilio"
    sms_sender_id: str | None = None


@dataclass
class DispatchReport:
    sent: int = 0
    refused: int = 0
    retried: int = 0


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: Senders,
        limiter: RateLimiter,
        clock: Callable[[], dt.datetime],
        whatsapp_window_open: Callable[[str], bool] = lambda phone: False,
    ) -> None:
        self.sessions = sessions
        self.senders = senders
        self.limiter = limiter
        self.clock = clock
        self.whatsapp_window_open = whatsapp_window_open

    def run(self, batch: int = 100, max_batches: int | None = None) -> DispatchReport:
        """Send due messages until none are left (or ``max_batches`` were sent)."""
        report, batches = DispatchReport(), 0
        while max_batches is None or batches < max_batches:
            with self.sessions.begin() as session:
                claimed = [_outgoing(m) for m in outbox.claim_due(session, now=self.clock(), limit=batch)]
            if not claimed:
                break
            for item in claimed:
                self._send_one(item, report)
            batches += 1
        return report

    def _send_one(self, item: Outgoing, report: DispatchReport) -> None:
        provider, channel, send = self._route(item)
        if self._opted_out(item, provider, channel, report):
            return
        self.limiter.acquire(provider)
        with self.sessions.begin() as session:
            outbox.mark_in_flight(
                self._row(session, item), provider=provider, channel=channel, now=self.clock()
            )
        try:
            result = send()
        except TransientSendError as error:
            self._retry_or_fail(item, provider, error.reason, report)
            return
        except Exception as error:  # an adapter bug or an unexpected answer: retry, but say so
            log.exception("sending outbox message %s failed unexpectedly", item.id)
            self._retry_or_fail(item, provider, f"unexpected error: {error}", report)
            return
        self._record(item, provider, result, report)

    def _opted_out(self, item: Outgoing, provider: str, channel: str, report: DispatchReport) -> bool:
        """Checked at the last moment, so a STOP that arrived after the message was written still counts."""
        with self.sessions.begin() as session:
            row = self._row(session, item)
            guardian = session.get(Guardian, row.guardian_id) if row.guardian_id else None
            if guardian is None or not refuses(guardian.opted_out, row.category.value, channel):
                return False
            outbox.record_refused(
                row, provider=provider, reason="not sent: the parent opted out", now=self.clock()
            )
            report.refused += 1
            return True

    def _route(self, item: Outgoing) -> tuple[str, str, Callable[[], SendResult]]:
        """WhatsApp inside the 24-hour window, an approved template outside it where there is one, else SMS.

        A message for the "sms" channel always goes by SMS (the guardian's preference).
        """
        whatsapp, provider = self.senders.whatsapp, self.senders.whatsapp_provider
        if whatsapp is not None and item.channel != "sms":
            if self.whatsapp_window_open(item.phone):
                return provider, "whatsapp", lambda: whatsapp.send_whatsapp(item.phone, item.body)
            if item.template_id:
                template_id, variables = item.template_id, item.template_vars or {}
                return (
                    provider,
                    "whatsapp",
                    lambda: whatsapp.send_template(item.phone, template_id, variables),
                )
        sms, sender_id = self.senders.sms, self.senders.sms_sender_id
        return (
            self.senders.sms_provider,
            "sms",
            lambda: sms.send_sms(item.phone, item.body, sender_id=sender_id),
        )

    def _record(self, item: Outgoing, provider: str, result: SendResult, report: DispatchReport) -> None:
        with self.sessions.begin() as session:
            row = self._row(session, item)
            if result.accepted:
                outbox.record_accepted(
                    row, provider=provider, provider_id=result.provider_id, now=self.clock()
                )
                report.sent += 1
            else:
                reason = result.reason or result.status or "refused"
                outbox.record_refused(row, provider=provider, reason=reason, now=self.clock())
                report.refused += 1

    def _retry_or_fail(self, item: Outgoing, provider: str, reason: str, report: DispatchReport) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = self._row(session, item)
            if item.attempts >= MAX_ATTEMPTS:
                outbox.record_refused(
                    row, provider=provider, reason=f"gave up after {item.attempts} tries: {reason}", now=now
                )
                report.refused += 1
            else:
                wait = dt.timedelta(seconds=BACKOFF_SECONDS[item.attempts - 1])
                outbox.record_retry(row, reason=reason, at=now + wait, now=now)
                report.retried += 1

    @staticmethod
    def _row(session: Session, item: Outgoing) -> OutboxMessage:
        row = session.get(OutboxMessage, item.id)
        assert row is not None
        return row

    def recover(self, lookups: dict[str, SentLookup]) -> tuple[int, int, int]:
        """After a worker died: requeue what it never attempted, settle what it did by asking the provider.

        Returns (requeued, found sent, left for review).
        """
        requeued = found = review = 0
        with self.sessions.begin() as session:
            for row in outbox.stale_claims(session, now=self.clock(), lease=LEASE):
                lookup = lookups.get(row.provider or "")
                if row.send_started_at is None:
                    outbox.requeue(row, now=self.clock())
                    requeued += 1
                elif lookup is None:
                    outbox.record_refused(
                        row,
                        provider=row.provider or "?",
                        now=self.clock(),
                        reason="the worker stopped mid-send: it may have gone; check before resending",
                    )
                    review += 1
                elif (provider_id := lookup.find_sent(row.phone, row.body, row.send_started_at)) is not None:
                    outbox.record_accepted(
                        row, provider=row.provider or "?", provider_id=provider_id, now=self.clock()
                    )
                    found += 1
                else:
                    outbox.requeue(row, now=self.clock())
                    requeued += 1
        return requeued, found, review


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(
        row.id, row.phone, row.channel, row.body, row.template_id, row.template_vars, row.attempts
    )
