"""What a family is told when money moves, in their language, written to the outbox with the posting.

Receipts; an M-Pesa prompt that did not end in a payment (why, and how to try again); Paybill money that
matched no student. Texts stay within two SMS segments in both languages as ledger.sms_parts counts them,
accents dropped only when a UCS-2 name would cost a third (a test renders each).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.books.balances import total_owed
from ledger.books.tables import Payment, PaymentSource
from ledger.events import FailureReason
from ledger.messaging.family_notices import write_family_thanks
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.messaging.wording import day
from ledger.money import kes
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.parents import find_guardian, guardians_of
from ledger.records.tables import Guardian, Language, School, Student
from ledger.sms_parts import fits as fits_two_segments  # the one counter (UCS-2 too); name kept for callers
from ledger.sms_parts import within

SOURCE = {
    PaymentSource.MPESA_STK: "M-Pesa",
    PaymentSource.MPESA_PAYBILL: "M-Pesa",
    PaymentSource.CASH: "cash",
    PaymentSource.BANK: "bank",
    PaymentSource.CHEQUE: "cheque",
}
RECEIPT = {
    Language.EN: "{school}: Received KES {amount} for {name} ({adm}), {source} {ref}, {date}. "
    "Receipt {no}. {after}",
    Language.SW: "{school}: Tumepokea KES {amount} kwa {name} ({adm}), {source} {ref}, {date}. "
    "Risiti {no}. {after}",
}
AFTER = {
    Language.EN: ("Balance KES {amount}. Thank you.", "Fees fully paid. Thank you!", "Credit KES {amount}."),
    Language.SW: (
        "Salio KES {amount}. Asante.",
        "Ada imelipwa yote. Asante!",
        "Salio la ziada KES {amount}.",
    ),
}


def receipt_text(language: Language, school: School, student: Student, payment: Payment, owed: int) -> str:
    after_owed, after_paid, after_credit = AFTER[language]
    if owed > 0:
        after = after_owed.format(amount=kes(owed, label=False))
    elif owed == 0:
        after = after_paid
    else:
        after = after_credit.format(amount=kes(-owed, label=False))
    on = payment.received_on
    return within(
        RECEIPT[language].format(
            school=school.name[:30],
            amount=kes(payment.amount, label=False),
            name=student.name[:40],
            adm=student.admission_no,
            source=SOURCE[payment.source],
            ref=payment.reference,
            no=payment.receipt_no,
            after=after,
            date=day(on, language),
        )
    )


def receipt_message_key(payment_id: int, guardian_id: int) -> str:
    """The dedupe key of a payment's receipt to one guardian: one receipt per payment and guardian."""
    return f"receipt:p{payment_id}:g{guardian_id}"


def receipted_payment(dedupe_key: str) -> int | None:
    """The payment a receipt message is for, read back from its key (an email attaches its PDF)."""
    kind, _, rest = dedupe_key.partition(":p")
    number = rest.partition(":g")[0]
    return int(number) if kind == "receipt" and number.isdigit() else None


def write_receipts(
    session: Session, payment: Payment, now: dt.datetime, *, owed: int | None = None
) -> list[OutboxMessage]:
    """A receipt to each guardian of the student the payment reached, once per payment and guardian.
    ``owed``: what the family owed right after the payment, when the posting knew it."""
    if payment.student_id is None:
        return []
    student = session.get(Student, payment.student_id)
    school = session.get(School, payment.school_id)
    assert student is not None and school is not None
    guardians = guardians_of(session, student.id)
    if not guardians:
        return []  # nobody to receipt, and so no family to thank
    if owed is None:
        owed = total_owed(session, student.id)
    written = []
    for guardian in guardians:
        if "all" in (guardian.opted_out or []):
            continue  # the parent stopped everything; receipts go even to those who stopped reminders
        message, _ = enqueue(
            session,
            dedupe_key=receipt_message_key(payment.id, guardian.id),
            phone=guardian.phone,
            body=receipt_text(guardian.language, school, student, payment, owed),
            category=Category.RECEIPT,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
            student_id=student.id,
        )
        written.append(message)
    return written + write_family_thanks(session, payment, now)


FAILED_HEAD = {
    Language.EN: "{school}: M-Pesa payment of KES {amount} for {name} did not go through.",
    Language.SW: "{school}: Malipo ya M-Pesa ya KES {amount} kwa {name} hayakufanikiwa.",
}
FAILED_WHY = {
    Language.EN: {
        FailureReason.CANCELLED: "You cancelled the prompt.",
        FailureReason.UNREACHABLE: "We could not reach your phone: keep it on and unlocked.",
        FailureReason.FUNDS: "Your M-Pesa balance was too low.",
        FailureReason.WRONG_PIN: "The M-Pesa PIN was wrong.",
        FailureReason.BUSY: "Another M-Pesa prompt was open on your phone: wait a minute.",
        FailureReason.EXPIRED: "The prompt expired before it was answered.",
        FailureReason.LIMITS: "The amount is outside your M-Pesa limits.",
        FailureReason.SAME_AMOUNT: "The same amount was paid just now: wait 2 minutes.",
        FailureReason.PIN_LOCKED: "Your M-Pesa PIN is locked: call Safaricom on 100.",
        FailureReason.NOT_SENT: "We could not send the prompt just now.",
        FailureReason.OTHER: "M-Pesa could not complete it.",
    },
    Language.SW: {
        FailureReason.CANCELLED: "Ulighairi ombi la malipo.",
        FailureReason.UNREACHABLE: "Hatukufikia simu yako: iwashe na uifungue.",
        FailureReason.FUNDS: "Salio lako la M-Pesa halikutosha.",
        FailureReason.WRONG_PIN: "PIN ya M-Pesa haikuwa sahihi.",
        FailureReason.BUSY: "Ombi lingine la M-Pesa lilikuwa wazi kwenye simu: subiri dakika moja.",
        FailureReason.EXPIRED: "Muda wa ombi uliisha kabla ya kujibiwa.",
        FailureReason.LIMITS: "Kiasi kiko nje ya kikomo chako cha M-Pesa.",
        FailureReason.SAME_AMOUNT: "Kiasi hicho kimelipwa sasa hivi: subiri dakika 2.",
        FailureReason.PIN_LOCKED: "PIN yako ya M-Pesa imefungwa: piga Safaricom 100.",
        FailureReason.NOT_SENT: "Hatukuweza kutuma ombi sasa hivi.",
        FailureReason.OTHER: "M-Pesa haikuweza kulikamilisha.",
    },
}
FAILED_TAIL = {
    Language.EN: "To try again, choose Pay in the school menu{ussd}, or use Paybill {paybill} account {adm}.",
    Language.SW: (
        "Kujaribu tena, chagua Lipa kwenye menyu ya shule{ussd}, au tumia Paybill {paybill} akaunti {adm}."
    ),
}
SUSPENSE = {
    Language.EN: (
        "{school}: We received KES {amount} by M-Pesa {ref} for account '{account}', which matches no "
        "student. The bursar will allocate it; please tell the school the admission number."
    ),
    Language.SW: (
        "{school}: Tumepokea KES {amount} kwa M-Pesa {ref} kwa akaunti '{account}', isiyolingana na "
        "mwanafunzi yeyote. Mhasibu ataigawa; tafadhali ieleze shule namba ya usajili."
    ),
}


def payment_failed_text(
    language: Language, school: School, student: Student, amount: int, reason: FailureReason
) -> str:
    """Why, and how to try again: the school's USSD code is left out when the text would not fit."""
    adm = student.admission_no
    head = FAILED_HEAD[language].format(
        school=school.name[:30], amount=kes(amount, label=False), name=student.name[:30]
    )
    paybill = school.daraja_shortcode or school.paybill or ""
    text = ""
    for ussd in (f" ({school.ussd_code})" if school.ussd_code else "", ""):
        tail = FAILED_TAIL[language].format(ussd=ussd, paybill=paybill, adm=adm)
        text = within(f"{head} {FAILED_WHY[language][reason]} {tail}")
        if fits_two_segments(text):
            break
    return text


def write_payment_failed(
    session: Session, request: PaymentRequestRecord, reason: FailureReason, now: dt.datetime
) -> OutboxMessage:
    """Tell the phone that asked for the prompt why no money moved; once per request."""
    school = session.get(School, request.school_id)
    student = session.get(Student, request.student_id)
    assert school is not None and student is not None
    guardian = find_guardian(session, request.phone, school.id)
    language = guardian.language if guardian is not None else school.default_language
    message, _ = enqueue(
        session,
        dedupe_key=f"stk-failed:r{request.id}",
        phone=request.phone,
        body=payment_failed_text(language, school, student, request.amount, reason),
        category=Category.PAYMENT_FAILED,
        now=now,
        school_id=school.id,
        guardian_id=guardian.id if guardian is not None else None,
        student_id=student.id,
    )
    return message


def suspense_text(language: Language, school: School, payment: Payment) -> str:
    return within(
        SUSPENSE[language].format(
            school=school.name[:30],
            amount=kes(payment.amount, label=False),
            ref=payment.reference,
            account=(payment.account_text or "")[:20],
        )
    )


def write_suspense_notice(
    session: Session, payment: Payment, phone: str, guardian: Guardian | None, now: dt.datetime
) -> OutboxMessage:
    """Tell the payer (when we have a number to text) that their money awaits allocation; once per payment."""
    school = session.get(School, payment.school_id)
    assert school is not None
    language = guardian.language if guardian is not None else school.default_language
    message, _ = enqueue(
        session,
        dedupe_key=f"suspense:p{payment.id}",
        phone=phone,
        body=suspense_text(language, school, payment),
        category=Category.SUSPENSE_NOTICE,
        now=now,
        school_id=school.id,
        guardian_id=guardian.id if guardian is not None else None,
    )
    return message
