"""An email that failed for good goes again by SMS, so the family still hears of it.

The failed email stays in the outbox as FAILED with the server's words (as a refused SMS does); its copy
for SMS is a message of its own, keyed after it, so it is written once however often this runs. A
recipient refused outright (a bounce) also marks the guardian's address, and later messages go by SMS
(``ledger.messaging.routing``) until the address is changed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.messaging.outbox import OutboxMessage, enqueue
from ledger.records.tables import Guardian


def fall_back_to_sms(
    session: Session, failed: OutboxMessage, *, bounced: bool, now: dt.datetime
) -> OutboxMessage:
    """The SMS copy of a failed email (written now, or found if it was)."""
    if bounced and failed.guardian_id is not None:
        guardian = session.get_one(Guardian, failed.guardian_id)
        guardian.email_bounced_at = guardian.email_bounced_at or now
    copy, _ = enqueue(
        session,
        dedupe_key=f"{failed.dedupe_key}:sms"[:160],
        phone=failed.phone,
        body=failed.body,
        category=failed.category,
        now=now,
        channel="sms",
        school_id=failed.school_id,
        guardian_id=failed.guardian_id,
        student_id=failed.student_id,
    )
    return copy
