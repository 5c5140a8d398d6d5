"""Who each claimed message is for, and the email it becomes when it goes by email.

Read in the claim's transaction (``bot.outbox.dispatcher``), so the send itself needs no database: the
guardian's preferred channel for every message to a guardian, and for those who prefer email (with an
address that has not bounced, while an email channel is configured) the message as an email: a subject
in the family's language, the text as plain text and as HTML, and a receipt's official PDF attached.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.documents.receipt_pdf import receipt_pdf
from bot.documents.statement_pdf import printed_statement, statement_pdf
from ledger.books.tables import Payment
from ledger.clock import school_day
from ledger.messaging.notices import receipted_payment
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.receipts import official_receipt
from ledger.records.tables import Channel, Guardian, Language, School, Student
from providers.email import Attachment, Email

SUBJECTS: dict[str, tuple[str, str]] = {  # category: (English, Kiswahili)
    Category.RECEIPT: ("Payment receipt", "Risiti ya malipo"),
    Category.REMINDER: ("Fee reminder", "Ukumbusho wa ada"),
    Category.INVOICE_NOTICE: ("Fees for the term", "Ada ya muhula"),
    Category.LATE_FEE_NOTICE: ("Late payment fee", "Ada ya kuchelewa kulipa"),
    Category.PAYMENT_FAILED: ("Payment not completed", "Malipo hayakukamilika"),
    Category.SUSPENSE_NOTICE: ("Payment received", "Malipo yamepokelewa"),
    Category.THANKS: ("Thank you", "Asante"),
    Category.BURSARY_NOTICE: ("Bursary credited", "Ufadhili umewekwa"),
    Category.REVERSAL_NOTICE: ("Payment reversed", "Malipo yamebatilishwa"),
    Category.REPLY: ("Your message", "Ujumbe wako"),
    Category.STATEMENT: ("Fee statement", "Taarifa ya ada"),
    "announcement": ("Announcement", "Tangazo"),  # issue 16's announcements, by their category's value
}
OTHER = ("Message", "Ujumbe")
ATTACHED = {
    Language.EN: "The official receipt is attached (PDF).",
    Language.SW: "Risiti rasmi imeambatishwa (PDF).",
}
STATEMENT_ATTACHED = {
    Language.EN: "The full statement is attached (PDF).",
    Language.SW: "Taarifa kamili ya ada imeambatishwa (PDF).",
}


@dataclass(frozen=True)
class Recipient:
    preferred: str | None  # the guardian's preferred channel; None for a phone that is no guardian's
    email: Email | None = None  # the message as an email, when it may go by email


def recipients(session: Session, rows: Sequence[OutboxMessage], email_on: bool) -> dict[int, Recipient]:
    """Each claimed message to a guardian, by message id: who it is for and, where it may go by email, how."""
    ids = {row.guardian_id for row in rows if row.guardian_id is not None}
    if not ids:
        return {}
    guardians = {g.id: g for g in session.scalars(select(Guardian).where(Guardian.id.in_(ids)))}
    found = {}
    for row in rows:
        guardian = guardians.get(row.guardian_id) if row.guardian_id is not None else None
        if guardian is not None:
            mailable = email_on and _wants_email(row, guardian)
            email = compose(session, row, guardian) if mailable else None
            found[row.id] = Recipient(guardian.preferred_channel.value, email)
    return found


def _wants_email(row: OutboxMessage, guardian: Guardian) -> bool:
    wanted = row.channel == Channel.EMAIL or (
        row.channel == "auto" and guardian.preferred_channel is Channel.EMAIL
    )
    return wanted and bool(guardian.email) and guardian.email_bounced_at is None


def compose(session: Session, row: OutboxMessage, guardian: Guardian) -> Email:
    """The message as an email to the guardian, in their language."""
    assert guardian.email is not None
    language = guardian.language
    school = session.get(School, row.school_id or guardian.school_id)
    english, swahili = SUBJECTS.get(row.category, OTHER)
    subject = f"{school.name if school else 'Karo'}: {swahili if language is Language.SW else english}"
    if row.category == Category.STATEMENT:
        attachments, attached = _statement(session, row, school), STATEMENT_ATTACHED[language]
    else:
        attachments, attached = _receipt(session, row), ATTACHED[language]
    text = row.body + (f"\n\n{attached}" if attachments else "")
    return Email(guardian.email, subject, text, _html(text, language), language.value, attachments)


def _receipt(session: Session, row: OutboxMessage) -> tuple[Attachment, ...]:
    payment_id = receipted_payment(row.dedupe_key) if row.category == Category.RECEIPT else None
    payment = session.get(Payment, payment_id) if payment_id is not None else None
    if payment is None:
        return ()
    receipt = official_receipt(session, payment)
    return (Attachment(f"receipt-{receipt.number}.pdf", receipt_pdf(receipt)),)


def _statement(session: Session, row: OutboxMessage, school: School | None) -> tuple[Attachment, ...]:
    """The student's statement as the printable page shows it, as of when the message is sent."""
    student = session.get(Student, row.student_id) if row.student_id is not None else None
    if student is None or school is None:
        return ()
    pdf = statement_pdf(
        printed_statement(session, student), school.name, school.paybill, school_day(row.updated_at)
    )
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", student.admission_no)  # KJA/2024/7 is no file name
    return (Attachment(f"statement-{safe}.pdf", pdf),)


def _html(text: str, language: Language) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in text.split("\n\n") if part
    )
    return (
        f'<!doctype html><html lang="{language.value}"><head><meta charset="utf-8"></head>'
        f'<body style="font-family: sans-serif; line-height: 1.4">{paragraphs}</body></html>'
    )
