"""Messages still queued to a phone that is no longer a guardian's: withdrawn before a worker sends them,
so a changed or removed phone hears nothing more about the child (``GuardianAccessEnded``)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ledger.events import GuardianAccessEnded
from ledger.messaging.outbox import MessageStatus, OutboxMessage

WITHDRAWN = "not sent: this phone is no longer the child's guardian's"


def withdraw_queued(session: Session, event: GuardianAccessEnded) -> None:
    """Mark the school's queued messages to the phone (about those children, or all) failed, unsent."""
    query = update(OutboxMessage).where(
        OutboxMessage.school_id == event.school_id,
        OutboxMessage.phone == event.phone,
        OutboxMessage.status == MessageStatus.QUEUED,
    )
    if event.student_ids is not None:
        query = query.where(OutboxMessage.student_id.in_(event.student_ids))
    values = {"status": MessageStatus.FAILED, "failure_reason": WITHDRAWN, "updated_at": event.at}
    session.execute(query.values(**values).execution_options(synchronize_session=False))
