"""The daily retention purge: what each school's policy says is old enough is removed.

Message rows are kept (status, cost and counts stay reportable); only their bodies are replaced by a marker.
USSD session reports and inbound messages name no school, so the longest period of any school holds for
them: nothing a school still wants is removed for another's shorter policy. Running twice the same day
removes nothing more (a blanked body starts with the marker and is skipped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from bot.channels.tables import InboundMessage, UssdSessionReport
from ledger.messaging.outbox import OutboxMessage
from ledger.records.tables import School
from ledger.staff.audit import AuditEntry

MARKER = "[removed after "


def removed(days: int) -> str:
    return f"{MARKER}{days} days]"


@dataclass(frozen=True)
class Purged:
    ussd_sessions: int = 0
    outbox_bodies: int = 0
    inbound_bodies: int = 0
    delivery_details: int = 0
    audit_rows: int = 0

    @property
    def total(self) -> int:
        return (
            self.ussd_sessions
            + self.outbox_bodies
            + self.inbound_bodies
            + self.delivery_details
            + self.audit_rows
        )


def _count(session: Session, statement: object) -> int:
    return int(session.execute(statement).rowcount)  # type: ignore[call-overload]


def _school_scope(school_id: int | None) -> ColumnElement[bool]:
    if school_id is None:
        return OutboxMessage.school_id.is_(None)
    return OutboxMessage.school_id == school_id


def _older(
    session: Session,
    school_id: int | None,
    now: dt.datetime,
    days: int,
    condition: ColumnElement[bool],
    values: Mapping[str, object],
) -> int:
    """Set ``values`` on the school's outbox rows older than ``days`` that meet ``condition``."""
    statement = (
        update(OutboxMessage)
        .where(_school_scope(school_id), OutboxMessage.created_at < now - dt.timedelta(days=days), condition)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return _count(session, statement)


def purge(session: Session, now: dt.datetime) -> Purged:
    """Apply every school's retention policy as of ``now`` in the caller's transaction."""
    policies = list(
        session.execute(
            select(
                School.id,
                School.keep_ussd_days,
                School.keep_message_days,
                School.keep_delivery_days,
                School.keep_audit_days,
            ).order_by(School.id)
        )
    )
    if not policies:
        return Purged()
    longest_ussd = max(row.keep_ussd_days for row in policies)
    longest_message = max(row.keep_message_days for row in policies)
    longest_delivery = max(row.keep_delivery_days for row in policies)
    scopes: list[tuple[int | None, int, int]] = [
        (row.id, row.keep_message_days, row.keep_delivery_days) for row in policies
    ]
    scopes.append((None, longest_message, longest_delivery))

    outbox_bodies = delivery_details = audit_rows = 0
    for school_id, message_days, delivery_days in scopes:
        unblanked = ~OutboxMessage.body.startswith(MARKER, autoescape=True)
        blank = {"body": removed(message_days), "template_vars": None, "media_url": None}
        outbox_bodies += _older(session, school_id, now, message_days, unblanked, blank)
        reported = OutboxMessage.failure_reason.is_not(None)
        delivery_details += _older(session, school_id, now, delivery_days, reported, {"failure_reason": None})
    for row in policies:
        audit_rows += _count(
            session,
            delete(AuditEntry)
            .where(
                AuditEntry.school_id == row.id,
                AuditEntry.at < now - dt.timedelta(days=row.keep_audit_days),
            )
            .execution_options(synchronize_session=False),
        )
    inbound_bodies = _count(
        session,
        update(InboundMessage)
        .where(
            InboundMessage.received_at < now - dt.timedelta(days=longest_message),
            ~InboundMessage.text.startswith(MARKER, autoescape=True),
        )
        .values(text=removed(longest_message), button_payload=None)
        .execution_options(synchronize_session=False),
    )
    ussd_sessions = _count(
        session,
        delete(UssdSessionReport)
        .where(UssdSessionReport.received_at < now - dt.timedelta(days=longest_ussd))
        .execution_options(synchronize_session=False),
    )
    return Purged(ussd_sessions, outbox_bodies, inbound_bodies, delivery_details, audit_rows)
