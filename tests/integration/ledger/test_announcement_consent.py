"""Consent to announcements on both databases: a school that does not require it reaches every family as
before; one that does reaches only the guardians whose standing word is yes (given, not withdrawn since)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.messaging.announcements import Audience, BadAnnouncement, announce, checked_texts, key_prefix
from ledger.messaging.outbox import OutboxMessage
from ledger.records.consent import record_consent
from tests import builders as b

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def reached(session, announcement):
    query = select(OutboxMessage.phone).where(
        OutboxMessage.dedupe_key.startswith(key_prefix(announcement.id))
    )
    return sorted(session.scalars(query))


def test_announcements_follow_consent_only_where_the_school_requires_it(session):
    school = b.school(session, slug="kibera")
    grade = b.school_class(session, school, "Grade 4")
    pupil = b.student(session, grade, "A001", "Achieng Otieno")
    mary = b.guardian(session, school, "+254712345678", pupil, name="Mary")
    b.guardian(session, school, "+254722000111", pupil, name="John")
    session.commit()

    first, sent = announce(
        session, school, Audience(), checked_texts("Sports day Friday"), author="t", now=NOW
    )
    assert sent == 2  # consent not required: everyone, as before

    school.announcements_need_consent = True
    with pytest.raises(BadAnnouncement):  # nobody has consented yet
        announce(session, school, Audience(), checked_texts("Open day"), author="t", now=NOW)
    record_consent(mary, given=True, channel="ussd", now=NOW)
    second, sent = announce(session, school, Audience(), checked_texts("Open day"), author="t", now=NOW)
    assert sent == 1 and mary.consent_channel == "ussd"

    record_consent(mary, given=False, channel="sms", now=NOW + dt.timedelta(hours=1))
    with pytest.raises(BadAnnouncement):
        announce(session, school, Audience(), checked_texts("Prize giving"), author="t", now=NOW)
    session.commit()
    assert len(reached(session, first)) == 2 and reached(session, second) == ["+254712345678"]
