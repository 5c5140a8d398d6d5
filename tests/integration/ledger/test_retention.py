"""The daily retention purge on both databases: rows older than the school's policy go (USSD session
reports deleted, message bodies blanked with their rows kept, delivery details cleared, audit rows past
seven years deleted), younger ones stay, the journal is untouched, and a second run removes nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.tables import InboundMessage, UssdSessionReport
from bot.privacy.retention import purge
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.staff.audit import AuditEntry
from tests.integration.ledger.privacy_world import NOW, books_green, journal, world


def test_purge_removes_only_what_the_policy_says_and_never_the_journal(session):
    school = world(session)
    school.keep_ussd_days = 60  # a shorter USSD period than the default: the 100-day-old reports go
    session.commit()
    books = journal(session)

    first = purge(session, NOW)
    session.commit()

    assert (first.ussd_sessions, first.outbox_bodies, first.inbound_bodies) == (2, 2, 2)
    assert (first.delivery_details, first.audit_rows) == (2, 1)
    replies = select(OutboxMessage).where(OutboxMessage.category == Category.REPLY)
    messages = session.scalars(replies.order_by(OutboxMessage.id)).all()
    assert len(messages) == 4  # rows kept
    old = [m for m in messages if m.created_at < NOW.replace(year=2026, month=1)]
    young = [m for m in messages if m not in old]
    assert [m.body for m in old] == ["[removed after 365 days]"] * 2
    assert all(m.failure_reason is None and m.status == MessageStatus.QUEUED for m in old)
    assert all(m.body.startswith("Balance for") and m.failure_reason for m in young)
    texts = session.scalars(select(InboundMessage.text).order_by(InboundMessage.id)).all()
    assert texts == ["[removed after 365 days]", "BAL 1", "[removed after 365 days]", "BAL 3"]
    assert session.scalars(select(UssdSessionReport.session_id).order_by(UssdSessionReport.id)).all() == [
        "s1",
        "s3",
    ]
    targets = session.scalars(select(AuditEntry.target).where(AuditEntry.action == "test")).all()
    assert sorted(targets) == ["age:30", "age:400"]
    assert journal(session) == books and books_green(session)

    again = purge(session, NOW)
    session.commit()
    assert again.total == 0
    assert journal(session) == books and books_green(session)
