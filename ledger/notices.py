"""What a family is told when money moves, in their language, written to the outbox with the posting.

Texts are GSM-7 and stay within two SMS segments in both languages (a test renders each one).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.balances import total_owed
from ledger.journal_tables import Payment, PaymentSource
from ledger.outbox import Category, OutboxMessage, enqueue
from ledger.records import Guardian, Language, School, Student, StudentGuardian

MONTHS = {
    Language.EN: ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    Language.SW: ("Jan", "Feb", "Mac", "Apr", "Mei", "Jun", "Jul", "Ago", "Sep", "Okt", "Nov", "Des"),
}
SOURCE = {
    PaymentSource.MPESA_STK: "M-Pesa",
    PaymentSource.MPESA_PAYBILL: "M-Pesa",
    PaymentSource.CASH: "cash",
    PaymentSource.BANK: "bank",
    PaymentSource.CHEQUE: "cheque",
}
RECEIPT = {
    Language.EN: "{school}: Received KES {amount} for {name} ({adm}), {source} {ref}, {date}. {after}",
    Language.SW: "{school}: Tumepokea KES {amount} kwa {name} ({adm}), {source} {ref}, {date}. {after}",
}
AFTER = {
    Language.EN: ("Balance KES {amount}. Thank you.", "Fees fully paid. Thank you!", "Credit KES {amount}."),
    Language.SW: (
        "Salio KES {amount}. Asante.",
        "Ada imelipwa yote. Asante!",
        "Salio la ziada KES {amount}.",
    ),
}


def kes(cents: int) -> str:
    whole, part = divmod(abs(cents), 100)
    return f"{whole:,}" + (f".{part:02d}" if part else "")


def receipt_text(language: Language, school: School, student: Student, payment: Payment, owed: int) -> str:
    after_owed, after_paid, after_credit = AFTER[language]
    if owed > 0:
        after = after_owed.format(amount=kes(owed))
    elif owed == 0:
        after = after_paid
    else:
        after = after_credit.format(amount=kes(-owed))
    on = payment.received_on
    return RECEIPT[language].format(
        school=school.name[:30],
        amount=kes(payment.amount),
        name=student.name[:40],
        adm=student.admission_no,
        source=SOURCE[payment.source],
        ref=payment.reference,
        after=after,
        date=f"{on.day} {MONTHS[language][on.month - 1]} {on.year}",
    )


def write_receipts(session: Session, payment: Payment, now: dt.datetime) -> list[OutboxMessage]:
    """A receipt to each guardian of the student the payment reached, once per payment and guardian."""
    if payment.student_id is None:
        return []
    student = session.get(Student, payment.student_id)
    school = session.get(School, payment.school_id)
    assert student is not None and school is not None
    owed = total_owed(session, student.id)
    guardians = session.scalars(
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == student.id)
        .order_by(Guardian.id)
    )
    written = []
    for guardian in guardians:
        if "all" in (guardian.opted_out or []):
            continue  # the parent stopped everything; receipts go even to those who stopped reminders
        message, _ = enqueue(
            session,
            dedupe_key=f"receipt:p{payment.id}:g{guardian.id}",
            phone=guardian.phone,
            body=receipt_text(guardian.language, school, student, payment, owed),
            category=Category.RECEIPT,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
            student_id=student.id,
        )
        written.append(message)
    return written
