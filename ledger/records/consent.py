"""Consent to announcements (Kenya's Data Protection Act, 2019, for marketing-like messages): recorded per
guardian with the channel it came by; the later of given and withdrawn stands. Announcements honour it
only where the school requires consent (``School.announcements_need_consent``), so nothing changes for a
school that has not turned it on."""

from __future__ import annotations

import datetime as dt

from ledger.records.tables import Guardian, School


def record_consent(guardian: Guardian, *, given: bool, channel: str, now: dt.datetime) -> None:
    """Record that the guardian gave (``given``) or withdrew consent now, by ``channel``."""
    if given:
        guardian.consent_given_at = now
    else:
        guardian.consent_withdrawn_at = now
    guardian.consent_channel = channel.strip().lower()[:20] or None


def consents(guardian: Guardian) -> bool:
    """Whether the guardian's standing word is yes."""
    given, withdrawn = guardian.consent_given_at, guardian.consent_withdrawn_at
    return given is not None and (withdrawn is None or withdrawn < given)


def may_announce(school: School, guardian: Guardian) -> bool:
    return not school.announcements_need_consent or consents(guardian)
