"""A school with a paying family and a trail of messages, sessions and audit rows of every age, for the
data-protection tests (retention purge, export, erasure)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.tables import InboundMessage, UssdSessionReport
from ledger.billing.invoicing import invoice_student
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Account, Entry, Line, Payment, PaymentSource
from ledger.messaging.outbox import Category, enqueue
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School
from ledger.staff.audit import audit
from tests import builders as b

NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
PHONE = "+254712345678"
OTHER = "+254722000111"
OLD, YOUNG = 400, 30  # days ago: beyond and within a year
ANCIENT = 3000  # beyond the audit period (seven years)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def world(session: Session) -> School:
    school = b.school(session, slug="kibera")
    term = b.term(session, school, "2026-1")
    grade = b.school_class(session, school, "Grade 4")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 20_000_00})
    pupil = b.student(session, grade, "A001", "Achieng Otieno")
    b.guardian(session, school, PHONE, pupil, name="Mary Otieno")
    b.guardian(session, school, OTHER, pupil, name="John Otieno")
    invoice_student(session, pupil, term, actor="t")
    paid = Received(
        PaymentSource.MPESA_STK, "TKA1", 5_000_00, dt.date(2026, 2, 1), "A001", payer=f"MARY {PHONE}"
    )
    record_payment(session, school.id, paid, pupil, actor="t")
    for n, (phone, days) in enumerate([(PHONE, OLD), (PHONE, YOUNG), (OTHER, OLD), (OTHER, YOUNG)]):
        message, _ = enqueue(
            session,
            dedupe_key=f"m{n}",
            phone=phone,
            body=f"Balance for Achieng: message {n}",
            category=Category.REPLY,
            now=ago(days),
            school_id=school.id,
        )
        message.failure_reason = "AT: UserInBlacklist"
        session.add(
            InboundMessage(
                provider="at",
                provider_id=f"in{n}",
                channel="sms",
                phone=phone,
                to="22384",
                text=f"BAL {n}",
                received_at=ago(days),
            )
        )
        session.add(
            UssdSessionReport(
                session_id=f"s{n}",
                phone=phone,
                service_code="*384*1#",
                status="Success",
                last_input="1",
                received_at=ago(days - 300 if days == OLD else days),  # 100 and 30 days ago
            )
        )
    for days in (ANCIENT, OLD, YOUNG):
        audit(session, school_id=school.id, actor="t", action="test", at=ago(days), target=f"age:{days}")
    session.commit()
    return school


def journal(session: Session) -> list[object]:
    """Every row of the books, as plain tuples: the purge and erasure must leave them as they were
    (save the payer's identity on a payment, which erasure replaces)."""
    rows: list[object] = []
    for table in (Entry, Line, Account):
        rows += [tuple(row) for row in session.execute(select(table.__table__)).all()]
    payments = select(Payment.id, Payment.entry_id, Payment.amount, Payment.student_id, Payment.reference)
    rows += [tuple(row) for row in session.execute(payments).all()]
    return rows


def books_green(session: Session) -> bool:
    return not unbalanced_entries(session) and not cached_balance_mismatches(session)
