"""Sending from the outbox: claim due messages, send each outside any transaction, record what happened.

A message is marked in flight (committed) just before its provider is called, so a worker killed at
any moment leaves rows that say whether they were attempted. ``recover`` requeues the never-attempted
and asks the provider about the rest, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session, sessionmaker

from bot import metrics
from bot.channels.handlers.base import Outgoing, Registry, SentLookup
from bot.outbox.emails import Recipient, recipients
from bot.outbox.ratelimit import RateLimiter
from ledger.messaging import outbox
from ledger.messaging.campaigns import deferral_for
from ledger.messaging.email_fallback import fall_back_to_sms
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from ledger.messaging.routing import Reach, choose_channel
from ledger.records.parents import refuses
from ledger.records.tables import Channel, Guardian, School
from ledger.sms_parts import gsm_friendly
from providers.messaging import SendResult, TransientSendError

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)  # wait after the 1st, 2nd ... failed attempt
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# Seconds each provider's client may wait to connect, and again for the answer (``handlers.registry``):
# a send takes at most twice this.
SEND_TIMEOUT = 9.05
# A claim untouched this long belongs to a worker that died: a little longer than the longest send, counted
# from the claim or, once a message is handed to its provider, from that moment (``_start`` renews it).
LEASE = dt.timedelta(seconds=2 * SEND_TIMEOUT + 7)


# About a second of sends at the default rates: a receipt queued behind a bulk run waits for at most
# this many bulk messages, since each claim takes the messages parents wait for first.
CLAIM_BATCH = 20


@dataclass
class DispatchReport:
    sent: int = 0
    refused: int = 0
    retried: int = 0
    postponed: int = 0  # reminders that wait for the end of quiet hours


class Dispatcher:
    """Sends what the outbox holds: claims due messages in batches, sends each outside any transaction
    through the right provider and channel (the guardian's preference where it can be met, else SMS:
    ``ledger.messaging.routing``), under the per-provider rate limit, and records the outcome (an email
    that failed for good goes again by SMS); ``recover`` settles what a dead worker left in flight.

    It holds the database session factory, the ``Senders`` (one adapter per channel), the rate limiter,
    the clock and the WhatsApp window check. ``bot.outbox.senders.build_dispatcher`` builds it for the RQ job
    (``bot.jobs.periodic.dispatch_outbox``) and for the in-process sender of the embedded default.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Registry,
        limiter: RateLimiter,
        clock: Callable[[], dt.datetime],
        whatsapp_window_open: Callable[[str], bool] = lambda phone: False,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.limiter = limiter
        self.clock = clock
        self.whatsapp_window_open = whatsapp_window_open

    def run(
        self,
        batch: int = CLAIM_BATCH,
        max_batches: int | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> DispatchReport:
        """Send due messages until none are left (or ``max_batches`` were sent, or ``stopping()`` says so
        between batches: a server shutting down waits for one batch, not the whole outbox).

        Each message is committed in flight before its provider is called, and its outcome after; the
        outcome rides in the next transaction (the next message's, or the next claim) unless the rate
        limiter is about to wait, so sending flat out costs one commit a message, not two.
        """
        report, batches = DispatchReport(), 0
        with self._connected_session() as session:
            outcome = _UnwrittenResult(session)
            try:
                while (max_batches is None or batches < max_batches) and not stopping():
                    with session.begin():
                        outcome.apply()
                        rows = outbox.claim_due(session, now=self.clock(), limit=batch)
                        senders = _school_senders(session, rows)
                        people = recipients(session, rows, email_on=self.channels.carries("email"))
                        claimed = [_outgoing(m, senders.get(m.school_id), people.get(m.id)) for m in rows]
                    if not claimed:
                        break
                    for item in claimed:
                        self._send_one(session, item, outcome, report)
                    batches += 1
            finally:
                outcome.commit()
        return report

    @contextmanager
    def _connected_session(self) -> Iterator[Session]:
        """A session on one connection for the whole run: no pool checkout and ping before each commit."""
        with self.sessions.kw["bind"].connect() as connection, self.sessions(bind=connection) as session:
            yield session

    def _send_one(
        self, session: Session, item: Outgoing, outcome: _UnwrittenResult, report: DispatchReport
    ) -> None:
        provider, channel, send = self._route(item)
        # Before marking in flight, so a wait never looks like a send; what waits commits first.
        self.limiter.acquire(provider, before_waiting=outcome.commit)
        with session.begin():
            outcome.apply()
            row = self._start(session, item, provider, channel, report)
        if row is None:
            return
        try:
            result = send()
        except TransientSendError as error:
            reason = error.reason
        except Exception as error:  # an adapter bug or an unexpected answer: retry, but say so
            log.exception("sending outbox message %s failed unexpectedly", item.id)
            reason = f"unexpected error: {error}"
        else:
            outcome.hold(lambda: self._record(row, provider, result, report))
            return
        outcome.hold(lambda: self._retry_or_fail(row, item, provider, reason, report))

    def _start(
        self, session: Session, item: Outgoing, provider: str, channel: str, report: DispatchReport
    ) -> OutboxMessage | None:
        """Lock the row and mark it in flight, unless recovery took it back or the parent opted out.

        The opt-out is read at this last moment, so a STOP that arrived after the message was written
        still counts; so is a bulk message's reason to wait (``ledger.messaging.campaigns.deferral_for``).
        This is the one place opt-outs are honoured, whatever the channel; a message written without its
        guardian is matched to the school's guardian with that phone, so it cannot slip past.
        """
        by_phone = and_(
            OutboxMessage.guardian_id.is_(None),
            Guardian.school_id == OutboxMessage.school_id,
            Guardian.phone == OutboxMessage.phone,
        )
        query = (
            select(OutboxMessage, Guardian.opted_out)
            .outerjoin(Guardian, or_(Guardian.id == OutboxMessage.guardian_id, by_phone))
            .where(OutboxMessage.id == item.id)
            .with_for_update(of=OutboxMessage)
            .execution_options(populate_existing=True)
        )
        row, opted_out = session.execute(query).one()
        now = self.clock()
        if (row.status, row.send_started_at, row.attempts) != (MessageStatus.SENDING, None, item.attempts):
            log.warning("outbox message %s was settled by recovery meanwhile: not sent here", item.id)
            return None
        if opted_out is not None and refuses(opted_out, row.category.value, channel):
            outbox.record_refused(row, provider=provider, reason="not sent: the parent opted out", now=now)
            report.refused += 1
            return None
        hold = deferral_for(session, row, now)  # bulk in quiet hours, or a reminder no longer wanted
        if hold is not None:
            if hold.until is not None:
                outbox.requeue(row, now=now)
                row.next_attempt_at = hold.until
                report.postponed += 1
            else:
                outbox.record_refused(row, provider=provider, reason=hold.reason, now=now)
                report.refused += 1
            return None
        outbox.mark_in_flight(row, provider=provider, channel=channel, now=now)
        row.claimed_at = now  # the lease runs from the send, however long the batch waited before it
        return row

    def _route(self, item: Outgoing) -> tuple[str, str, Callable[[], SendResult]]:
        """The channel the guardian prefers where it can carry the message now, else SMS; a message pinned
        to a channel (an answer goes back the way the question came) counts as preferring it."""
        pinned = item.channel if item.channel != "auto" else item.preferred
        preferred = Channel(pinned) if pinned else None
        window_open = preferred in (Channel.WHATSAPP, None) and self.whatsapp_window_open(item.phone)
        channel = choose_channel(
            preferred, Reach(window_open, bool(item.template_id), item.email is not None)
        )
        handler = self.channels.handler_on(channel.value)
        return handler.provider, handler.channel, lambda: handler.send(item, window_open)

    def _record(self, row: OutboxMessage, provider: str, result: SendResult, report: DispatchReport) -> None:
        metrics.SENDS.labels(provider, "accepted" if result.accepted else "refused").inc()
        if result.accepted:
            outbox.record_accepted(row, provider=provider, provider_id=result.provider_id, now=self.clock())
            report.sent += 1
        else:
            reason = result.reason or result.status or "refused"
            metrics.SEND_FAILURES.labels(provider, "refused").inc()  # the provider's words stay in the row
            self._refused(row, provider, reason, report, bounced=result.status == "bounced")

    def _refused(
        self, row: OutboxMessage, provider: str, reason: str, report: DispatchReport, *, bounced: bool = False
    ) -> None:
        """Failed for good; an email goes again by SMS (``ledger.messaging.email_fallback``)."""
        outbox.record_refused(row, provider=provider, reason=reason, now=self.clock())
        report.refused += 1
        session = object_session(row)
        if row.channel == Channel.EMAIL and session is not None:
            fall_back_to_sms(session, row, bounced=bounced, now=self.clock())

    def _retry_or_fail(
        self, row: OutboxMessage, item: Outgoing, provider: str, reason: str, report: DispatchReport
    ) -> None:
        now = self.clock()
        unexpected = reason.startswith("unexpected error")
        metrics.SENDS.labels(provider, "error").inc()
        metrics.SEND_FAILURES.labels(provider, "unexpected" if unexpected else "transient").inc()
        if item.attempts >= MAX_ATTEMPTS:
            metrics.SEND_FAILURES.labels(provider, "gave_up").inc()
            self._refused(row, provider, f"gave up after {item.attempts} tries: {reason}", report)
        else:
            wait = dt.timedelta(seconds=BACKOFF_SECONDS[item.attempts - 1])
            outbox.record_retry(row, reason=reason, at=now + wait, now=now)
            report.retried += 1

    def recover(self, lookups: Mapping[str, SentLookup], lease: dt.timedelta = LEASE) -> tuple[int, int, int]:
        """After a worker died: requeue what it never attempted, settle what it did by asking the provider.

        ``lookups`` maps a provider to its ``SentLookup``; a provider without one (Africa's Talking has no
        way to list sent messages) gets its interrupted sends left FAILED for review, since sending again
        might send twice. Each row is settled in its own transaction under a row lock that other workers
        skip, so two recoveries never both decide about one message; a provider that cannot answer now
        leaves the row for the next recovery. Returns (requeued, found sent, left for review).
        """
        with self.sessions() as session:
            stale = [row.id for row in outbox.stale_claims(session, now=self.clock(), lease=lease)]
        outcomes = Counter(self._settle(message_id, lookups, lease) for message_id in stale)
        if outcomes["unsettled"]:
            log.warning("%d interrupted sends could not be checked yet", outcomes["unsettled"])
        return outcomes["requeued"], outcomes["found"], outcomes["review"]

    def _settle(self, message_id: int, lookups: Mapping[str, SentLookup], lease: dt.timedelta) -> str:
        with self.sessions.begin() as session:
            row = _locked_stale(session, message_id, self.clock() - lease)
            if row is None:
                return "settled elsewhere"
            if row.send_started_at is None:  # claimed but never handed to the provider
                outbox.requeue(row, now=self.clock())
                return "requeued"
            lookup = lookups.get(row.provider or "")
            if lookup is None:
                return self._leave_for_review(row, "it may have gone")
            try:
                provider_id = lookup.find_sent(_address(row), _sent_body(row), row.send_started_at)
            except Exception as error:  # the provider cannot answer now: decide nothing, ask again later
                log.warning("could not ask %s about outbox message %s: %s", row.provider, row.id, error)
                return "unsettled"
            if provider_id is not None:
                outbox.record_accepted(
                    row, provider=row.provider or "?", provider_id=provider_id, now=self.clock()
                )
                return "found"
            if row.channel == "whatsapp" and row.template_id:
                # A template is listed with the provider's own text, so not finding our body proves nothing.
                return self._leave_for_review(
                    row, "it was a template, which the provider lists in its own words"
                )
            outbox.requeue(row, now=self.clock())
            return "requeued"

    def _leave_for_review(self, row: OutboxMessage, why: str) -> str:
        reason = f"the worker stopped mid-send and {why}: check before resending"
        outbox.record_refused(row, provider=row.provider or "?", reason=reason, now=self.clock())
        return "review"


class _UnwrittenResult:
    """The last send's outcome, not yet written: written in the next transaction, or on its own by
    ``commit`` (before the rate limiter waits, and at the end). Never held across a wait, so a worker
    that dies leaves at most the message it was sending unsettled, as without holding."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: Callable[[], None] | None = None

    def hold(self, write: Callable[[], None]) -> None:
        self.pending = write

    def apply(self) -> None:
        """Write it inside the transaction the caller has open."""
        write, self.pending = self.pending, None
        if write is not None:
            write()

    def commit(self) -> None:
        if self.pending is not None:
            with self.session.begin():
                self.apply()


def _locked_stale(session: Session, message_id: int, claimed_before: dt.datetime) -> OutboxMessage | None:
    """The row, locked, if it is still a stale claim and no other worker is settling it."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.SENDING,
            OutboxMessage.claimed_at < claimed_before,
        )
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).one_or_none()


def _address(row: OutboxMessage) -> str:
    """The recipient as the provider was given it: ``whatsapp:+2547...`` for WhatsApp."""
    return f"whatsapp:{row.phone}" if row.channel == "whatsapp" else row.phone


def _sent_body(row: OutboxMessage) -> str:
    """The body as the provider was given it: an SMS with its typographic characters made GSM-7."""
    return row.body if row.channel == "whatsapp" else gsm_friendly(row.body)


@dataclass(frozen=True)
class SchoolSenders:
    """A school's own `from` on each provider and channel; None: the deployment's shared one."""

    sms_sender_id: str | None = None  # Africa's Talking
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None


def _school_senders(session: Session, rows: list[OutboxMessage]) -> dict[int | None, SchoolSenders]:
    """The senders of each school these messages are from (one query per batch)."""
    ids = {row.school_id for row in rows if row.school_id is not None}
    if not ids:
        return {}
    query = select(
        School.id, School.sms_sender_id, School.twilio_sms_from, School.twilio_whatsapp_from
    ).where(School.id.in_(ids))
    return {
        school_id: SchoolSenders(sender_id or None, sms_from or None, whatsapp_from or None)
        for school_id, sender_id, sms_from, whatsapp_from in session.execute(query)
    }


def _outgoing(
    row: OutboxMessage, senders: SchoolSenders | None = None, to: Recipient | None = None
) -> Outgoing:
    senders = senders or SchoolSenders()
    return Outgoing(
        row.id,
        row.phone,
        row.channel,
        row.body,
        row.template_id,
        row.template_vars,
        row.attempts,
        media_url=row.media_url,
        sender_id=senders.sms_sender_id,
        twilio_sms_from=senders.twilio_sms_from,
        twilio_whatsapp_from=senders.twilio_whatsapp_from,
        preferred=to.preferred if to else None,
        email=to.email if to else None,
    )
