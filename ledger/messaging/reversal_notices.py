"""Telling a family that a payment they were receipted for was reversed (voided, back to suspense, or moved
to another child): what, why, and what the child owes now, in their language, within two SMS parts.

Sent at once like a receipt (not bulk), once per reversal and guardian, never to a phone that stopped all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.books.balances import total_owed
from ledger.books.tables import Payment
from ledger.messaging.notices import SOURCE
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.money import kes
from ledger.records.parents import EVERYTHING, guardians_of
from ledger.records.tables import Language, School, Student
from ledger.sms_parts import fits, within

REVERSED = {
    Language.EN: "{school}: {source} {ref} of KES {amount} for {name} ({adm}) was reversed{why}. {after}",
    Language.SW: "{school}: {source} {ref} ya KES {amount} kwa {name} ({adm}) imebatilishwa{why}. {after}",
}
AFTER = {
    Language.EN: ("Balance now KES {amount}.", "Fees fully paid.", "Credit KES {amount}."),
    Language.SW: ("Salio sasa KES {amount}.", "Ada imelipwa yote.", "Salio la ziada KES {amount}."),
}
REASON_CUTS = (60, 30, 0)  # the bursar's reason, shortened (at last left out) until the text fits


def reversal_text(
    language: Language, school: School, student: Student, payment: Payment, reason: str, owed: int
) -> str:
    owing, paid, credit = AFTER[language]
    after = owing if owed > 0 else paid if owed == 0 else credit
    text = ""
    for cut in REASON_CUTS:
        why = " ".join(reason.split())[:cut]
        text = within(
            REVERSED[language].format(
                school=school.name[:30],
                source=SOURCE[payment.source],
                ref=payment.reference,
                amount=kes(payment.amount, label=False),
                name=student.name[:30],
                adm=student.admission_no,
                why=f": {why}" if why else "",
                after=after.format(amount=kes(abs(owed), label=False)),
            )
        )
        if fits(text):
            break
    return text


def write_reversal_notices(
    session: Session, payment: Payment, student: Student, reversal_id: int, reason: str, now: dt.datetime
) -> list[OutboxMessage]:
    """The notice to each guardian of the student the payment had reached, once per reversal."""
    school = session.get_one(School, payment.school_id)
    owed = total_owed(session, student.id)
    written = []
    for guardian in guardians_of(session, student.id):
        if EVERYTHING in (guardian.opted_out or []):
            continue
        message, _ = enqueue(
            session,
            dedupe_key=f"reversal:p{payment.id}:e{reversal_id}:g{guardian.id}",
            phone=guardian.phone,
            body=reversal_text(guardian.language, school, student, payment, reason, owed),
            category=Category.REVERSAL_NOTICE,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
            student_id=student.id,
        )
        written.append(message)
    return written
