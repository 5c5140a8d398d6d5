"""Erasure of a guardian who asks: the person's identity goes, the money stays.

In the school that was asked: each guardian row with the phone is renamed "Erased guardian", its phone
replaced by ``erased-<row id>`` (unique per row, and nothing of the number can be read back from it), its
email cleared and every message stopped; the messages to it (and those to the phone under no school) are
blanked and re-addressed to the same placeholder; its STK requests and the payments it made lose the number
and the payer's name; audit rows that recorded the number have it replaced. What the phone itself sent
(SMS and WhatsApp, USSD session reports: they name no school) is blanked or deleted everywhere. Entries,
lines, accounts and the payments' amounts are not touched, so the books stay balanced.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.api.parent.tables import ParentCode, ParentPayKey, ParentRead, ParentToken
from bot.channels.tables import InboundMessage, UssdSessionReport
from bot.privacy.holdings import audit_naming, payments_of, phone_forms
from ledger.books.tables import Payment
from ledger.errors import NotFound
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.tables import Guardian
from ledger.staff.audit import audit

ERASED_NAME = "Erased guardian"
ERASED_TEXT = "[erased on request]"
ERASED = "erased"


@dataclass(frozen=True)
class Erased:
    guardians: int
    messages: int
    payments: int
    inbound: int
    ussd_sessions: int


def _scrub(text: str, phone: str, placeholder: str) -> str:
    for form in phone_forms(phone):
        text = text.replace(form, placeholder)
    return text


def erase_guardian(
    session: Session,
    school_id: int,
    phone: str,
    *,
    reason: str,
    actor: str,
    now: dt.datetime,
    staff_id: int | None = None,
) -> Erased:
    """Erase ``phone`` (E.164) from ``school_id`` in the caller's transaction; audited without the number.
    Raises NotFound when the phone is no guardian of that school."""
    guardians = list(
        session.scalars(
            select(Guardian).where(Guardian.school_id == school_id, Guardian.phone == phone).with_for_update()
        )
    )
    if not guardians:
        raise NotFound("that phone is no guardian of this school")
    ids = [g.id for g in guardians]
    scrubbed_audit = audit_naming(session, phone, ids, school_id)
    messages = 0
    for guardian in guardians:
        placeholder = f"{ERASED}-{guardian.id}"
        guardian.name, guardian.phone, guardian.email = ERASED_NAME, placeholder, None
        guardian.email_bounced_at, guardian.opted_out = None, ["all"]
        messages += int(
            session.execute(  # type: ignore[attr-defined]
                update(OutboxMessage)
                .where(OutboxMessage.phone == phone)
                .where(or_(OutboxMessage.school_id == school_id, OutboxMessage.school_id.is_(None)))
                .values(phone=placeholder, body=ERASED_TEXT, template_vars=None, media_url=None)
                .execution_options(synchronize_session=False)
            ).rowcount
        )
    paid = list(session.scalars(select(Payment).where(payments_of(phone, school_id))))
    for payment in paid:
        payment.payer = ERASED_NAME
    session.execute(
        update(PaymentRequestRecord)
        .where(PaymentRequestRecord.school_id == school_id, PaymentRequestRecord.phone == phone)
        .values(phone=f"{ERASED}-{ids[0]}")
        .execution_options(synchronize_session=False)
    )
    for entry in scrubbed_audit:
        entry.target = _scrub(entry.target, phone, ERASED) if entry.target else entry.target
        for field in ("before", "after"):
            value = getattr(entry, field)
            if value is not None:
                setattr(entry, field, json.loads(_scrub(json.dumps(value), phone, ERASED)))
    inbound = int(
        session.execute(  # type: ignore[attr-defined]
            update(InboundMessage)
            .where(InboundMessage.phone == phone)
            .values(phone=ERASED, text=ERASED_TEXT, button_payload=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    )
    ussd = int(
        session.execute(  # type: ignore[attr-defined]
            delete(UssdSessionReport).where(UssdSessionReport.phone == phone)
        ).rowcount
    )
    for table in (ParentRead, ParentPayKey, ParentToken, ParentCode):
        session.execute(delete(table).where(table.phone == phone))
    erased = Erased(len(guardians), messages, len(paid), inbound, ussd)
    audit(
        session,
        school_id=school_id,
        actor=actor,
        staff_id=staff_id,
        action="privacy.erase",
        target=f"guardian:{ids[0]}",
        after={
            "guardians": ids,
            "reason": _scrub(reason, phone, "[phone]"),
            "messages": messages,
            "payments": len(paid),
            "inbound": inbound,
            "ussd_sessions": ussd,
        },
        at=now,
    )
    session.flush()
    return erased
