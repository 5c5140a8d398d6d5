"""A guardian's data exported and then erased on both databases: the export finds the phone everywhere
Karo holds it; erasure leaves no trace of the number in any table, keeps the other guardian, and leaves the
journal as it was with the books' checks green."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.tables import InboundMessage, UssdSessionReport
from bot.privacy.erasure import ERASED_NAME, erase_guardian
from bot.privacy.export import export_phone
from bot.privacy.holdings import phone_forms
from ledger.books.tables import Payment
from ledger.errors import NotFound
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus
from ledger.records.tables import Guardian
from ledger.staff.audit import AuditEntry, audit
from tests.integration.ledger.privacy_world import NOW, OTHER, PHONE, books_green, journal, world

TABLES = (
    Guardian,
    OutboxMessage,
    InboundMessage,
    UssdSessionReport,
    Payment,
    PaymentRequestRecord,
    AuditEntry,
)


def traces(session, phone):
    """Rows of every table that holds phones whose text shows the number in any of its forms."""
    found = []
    for table in TABLES:
        for row in session.execute(select(table.__table__)).all():
            if any(form in str(tuple(row)) for form in phone_forms(phone)):
                found.append((table.__tablename__, row.id))
    return found


def test_export_then_erasure_keeps_the_money_and_drops_the_person(session):
    school = world(session)
    mary = session.scalars(select(Guardian).where(Guardian.phone == PHONE)).one()
    payment = session.scalars(select(Payment)).one()
    session.add(
        PaymentRequestRecord(
            school_id=school.id,
            student_id=payment.student_id,
            phone=PHONE,
            amount=payment.amount,
            status=RequestStatus.PAID,
            channel="ussd",
            payment_id=payment.id,
            created_at=NOW,
        )
    )
    audit(session, school_id=school.id, actor="t", action="guardian.edit", at=NOW, after={"phone": PHONE})
    enqueue(
        session, dedupe_key="nobody", phone=PHONE, body="Not known here", category=Category.REPLY, now=NOW
    )
    session.commit()

    exported = export_phone(session, PHONE)
    assert [g["name"] for g in exported["guardians"]] == ["Mary Otieno"]
    assert exported["guardians"][0]["children"][0]["admission_no"] == "A001"
    assert len(exported["messages_received_from"]) == 2 and len(exported["ussd_sessions"]) == 2
    assert {m["body"] for m in exported["messages_sent_to"]} >= {"Balance for Achieng: message 0"}
    assert [p["reference"] for p in exported["payments"]] == ["TKA1"]
    assert len(exported["payment_requests"]) == 1
    assert {a["action"] for a in exported["audit"]} == {"guardian.edit"}
    assert traces(session, PHONE)  # the world holds the phone before

    books, other_before = journal(session), traces(session, OTHER)
    erased = erase_guardian(
        session, school.id, PHONE, reason=f"letter from {PHONE} of 19 Nov", actor="head", now=NOW
    )
    session.commit()

    assert (erased.guardians, erased.payments, erased.inbound, erased.ussd_sessions) == (1, 1, 2, 2)
    assert traces(session, PHONE) == []
    assert traces(session, OTHER) == other_before  # the other guardian is untouched
    session.refresh(mary)
    assert (mary.name, mary.phone, mary.email) == (ERASED_NAME, f"erased-{mary.id}", None)
    assert journal(session) == books and books_green(session)
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).one()
    assert row.after["reason"] == "letter from [phone] of 19 Nov"
    assert export_phone(session, PHONE)["guardians"] == []
    with pytest.raises(NotFound):
        erase_guardian(session, school.id, PHONE, reason="again", actor="head", now=NOW + dt.timedelta(1))
