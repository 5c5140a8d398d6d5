"""A guardian's data on request: everything Karo holds about a phone, as one JSON-able document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.tables import InboundMessage, UssdSessionReport
from bot.privacy.holdings import audit_naming, payments_of
from ledger.books.tables import Payment
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.tables import Guardian, School, Student, StudentGuardian

Document = dict[str, Any]


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_phone(session: Session, phone: str, school_id: int | None = None) -> Document:
    """What Karo holds about ``phone`` (E.164): in every school, or in one (a head's export), where the
    messages the phone sent and its USSD sessions, which name no school, are left out."""
    guardians = select(Guardian, School.slug).join(School, School.id == Guardian.school_id)
    guardians = guardians.where(Guardian.phone == phone).order_by(Guardian.id)
    if school_id is not None:
        guardians = guardians.where(Guardian.school_id == school_id)
    found = [(g, slug) for g, slug in session.execute(guardians)]
    ids = [g.id for g, _ in found]
    children = session.execute(
        select(StudentGuardian.guardian_id, Student.admission_no, Student.name, StudentGuardian.relation)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(StudentGuardian.guardian_id.in_(ids))
        .order_by(Student.admission_no)
    ).all()
    document: Document = {
        "phone": phone,
        "guardians": [
            {
                "school": slug,
                "name": g.name,
                "email": g.email,
                "language": str(g.language),
                "preferred_channel": str(g.preferred_channel),
                "opted_out": list(g.opted_out or []),
                "consent_to_announcements": {
                    "given_at": _when(g.consent_given_at),
                    "withdrawn_at": _when(g.consent_withdrawn_at),
                    "channel": g.consent_channel,
                },
                "children": [
                    {"admission_no": adm, "name": name, "relation": relation}
                    for gid, adm, name, relation in children
                    if gid == g.id
                ],
            }
            for g, slug in found
        ],
    }
    sent = select(OutboxMessage).where(OutboxMessage.phone == phone).order_by(OutboxMessage.id)
    if school_id is not None:
        sent = sent.where(OutboxMessage.school_id == school_id)
    document["messages_sent_to"] = [
        {
            "at": _when(m.created_at),
            "category": str(m.category),
            "channel": m.channel,
            "status": str(m.status),
            "body": m.body,
        }
        for m in session.scalars(sent)
    ]
    payments = select(Payment).where(payments_of(phone, school_id)).order_by(Payment.id)
    document["payments"] = [
        {
            "receipt_no": p.receipt_no,
            "reference": p.reference,
            "amount_cents": p.amount,
            "received_on": _when(p.received_on),
            "payer": p.payer,
        }
        for p in session.scalars(payments)
    ]
    requests = select(PaymentRequestRecord).where(PaymentRequestRecord.phone == phone)
    if school_id is not None:
        requests = requests.where(PaymentRequestRecord.school_id == school_id)
    document["payment_requests"] = [
        {"at": _when(r.created_at), "amount_cents": r.amount, "status": str(r.status), "receipt": r.receipt}
        for r in session.scalars(requests.order_by(PaymentRequestRecord.id))
    ]
    if school_id is None:
        received = select(InboundMessage).where(InboundMessage.phone == phone)
        document["messages_received_from"] = [
            {"at": _when(m.received_at), "channel": m.channel, "to": m.to, "text": m.text}
            for m in session.scalars(received.order_by(InboundMessage.id))
        ]
        sessions = select(UssdSessionReport).where(UssdSessionReport.phone == phone)
        document["ussd_sessions"] = [
            {"at": _when(s.received_at), "code": s.service_code, "status": s.status, "hops": s.hops}
            for s in session.scalars(sessions.order_by(UssdSessionReport.id))
        ]
    document["audit"] = [
        {"at": _when(a.at), "actor": a.actor, "action": a.action, "target": a.target}
        for a in audit_naming(session, phone, ids, school_id)
    ]
    return document
