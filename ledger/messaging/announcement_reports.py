"""What an announcement would cost before it goes, and what became of it after.

The preview counts SMS parts with ``ledger.sms_parts`` on the very body the outbox will hold (the school's
name and the family's text), after the same typographic clean-up the SMS sender does, so the parts it shows
are the parts the network bills. The channel is the outbox's: WhatsApp only inside the parent's 24-hour
window (an announcement has no approved template for outside it), else SMS.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.clock import NAIROBI
from ledger.messaging.announcements import (
    Announcement,
    Audience,
    Family,
    Texts,
    body_for,
    families,
    key_prefix,
    stopped,
)
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.messaging.routing import Reach, choose_channel
from ledger.records.parents import refuses
from ledger.records.tables import Channel, Guardian, Language, School
from ledger.sms_parts import gsm_friendly, is_gsm7, sms_segments

# KES 0.80 (80 cents) a part: Africa's Talking's price for bulk SMS in Kenya (Safaricom, Airtel, Telkom) on
# its public pricing page, as the AT sandbox and our simulator (``AtConfig.rate``) also charge. An estimate:
# a school on a negotiated rate pays less.
SMS_PART_CENTS = 80

WhatsAppWindow = Callable[[str], bool]  # phone -> whether the parent wrote on WhatsApp in the last 24 hours


def likely_channel(family: Family, window_open: WhatsAppWindow, email_on: bool) -> str:
    """The channel the outbox would send an announcement on now: the family's preference as the dispatcher
    chooses it (``ledger.messaging.routing``); announcements have no WhatsApp template."""
    open_now = family.preferred is Channel.WHATSAPP and window_open(family.phone)
    return choose_channel(family.preferred, Reach(open_now, False, email_on and family.has_email)).value


@dataclass(frozen=True)
class Planned:
    family: Family
    channel: str
    parts: int  # SMS parts billed; 0 on WhatsApp
    body: str


@dataclass(frozen=True)
class Preview:
    planned: list[Planned]
    opted_out: int  # families in the audience who stopped announcements (or everything, or SMS)
    parts: dict[Language, int]  # SMS parts of each language's message
    ucs2: list[Language]  # languages whose message needs UCS-2 (70 characters a part, not 160)

    @property
    def families(self) -> int:
        return len(self.planned)

    @property
    def by_channel(self) -> dict[str, int]:
        return dict(sorted(Counter(p.channel for p in self.planned).items()))

    @property
    def sms_parts(self) -> int:
        return sum(p.parts for p in self.planned)

    @property
    def cost_cents(self) -> int:
        return self.sms_parts * SMS_PART_CENTS


def preview(
    session: Session,
    school: School,
    audience: Audience,
    texts: Texts,
    window_open: WhatsAppWindow = lambda phone: False,
    email_on: bool = False,
) -> Preview:
    """``email_on``: whether the deployment sends email (``KARO_SMTP_URL``)."""
    planned, opted_out = [], 0
    for family in families(session, school, audience):
        channel = likely_channel(family, window_open, email_on)
        if stopped(family) or refuses(list(family.opted_out), Category.ANNOUNCEMENT.value, channel):
            opted_out += 1
            continue
        body = body_for(school, texts, family.language)
        planned.append(Planned(family, channel, sms_segments(body) if channel == "sms" else 0, body))
    languages = [Language.EN, Language.SW] if texts.sw else [Language.EN]
    bodies = {language: body_for(school, texts, language) for language in languages}
    return Preview(
        planned,
        opted_out,
        {language: sms_segments(body) for language, body in bodies.items()},
        [language for language, body in bodies.items() if not is_gsm7(gsm_friendly(body))],
    )


@dataclass(frozen=True)
class Delivery:
    """One family's message of an announcement, as the outbox has it now."""

    name: str
    phone: str
    channel: str
    status: str
    reason: str | None


# The outbox's statuses as the page counts them.
SHOWN_AS = {
    MessageStatus.QUEUED: "queued",
    MessageStatus.SENDING: "queued",
    MessageStatus.SENT: "sent",
    MessageStatus.DELIVERED: "delivered",
    MessageStatus.READ: "delivered",
    MessageStatus.UNDELIVERED: "failed",
    MessageStatus.FAILED: "failed",
}


def delivery(session: Session, announcement: Announcement) -> list[Delivery]:
    query = (
        select(OutboxMessage, Guardian.name)
        .outerjoin(Guardian, Guardian.id == OutboxMessage.guardian_id)
        .where(
            OutboxMessage.school_id == announcement.school_id,
            OutboxMessage.dedupe_key.startswith(key_prefix(announcement.id), autoescape=True),
        )
        .order_by(Guardian.name, OutboxMessage.id)
    )
    return [
        Delivery(name or "-", m.phone, m.channel, SHOWN_AS[m.status], m.failure_reason)
        for m, name in session.execute(query)
    ]


def counts(rows: list[Delivery]) -> dict[str, int]:
    """Messages by status: queued, sent, delivered, failed (each shown, zero or not)."""
    found = Counter(row.status for row in rows)
    return {status: found[status] for status in ("queued", "sent", "delivered", "failed")}


def past(session: Session, school_id: int, limit: int = 20) -> list[Announcement]:
    query = (
        select(Announcement)
        .where(Announcement.school_id == school_id)
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def at_nairobi(moment: dt.datetime | None) -> str:
    return moment.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M") if moment else "-"
