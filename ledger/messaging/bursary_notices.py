"""Telling a family that a bursary was credited to their child: who gave it, how much, what is owed now.

One message per guardian of the child, keyed by the award, so a retry tells nobody twice; none to a phone
that stopped all messages. Within two SMS parts in English and Kiswahili: long names are shortened first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.billing.award_limits import credited_amount
from ledger.billing.sponsor_tables import BursaryAward, Sponsor
from ledger.books.balances import total_owed
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.messaging.reminder_texts import first_name
from ledger.money import kes
from ledger.records.parents import EVERYTHING
from ledger.records.tables import Language, School, Student, Term
from ledger.sms_parts import fits, within

BURSARY = {
    Language.EN: "{school}: A bursary of KES {amount} from {sponsor} was credited to {child}'s term {term} "
    "fees. {balance}",
    Language.SW: "{school}: Basari ya KES {amount} kutoka {sponsor} imewekwa kwenye ada ya muhula {term} "
    "ya {child}. {balance}",
}
OWES = {Language.EN: "Balance now KES {owed}.", Language.SW: "Salio sasa ni KES {owed}."}
CREDIT = {
    Language.EN: "Fees fully paid: credit KES {credit}.",
    Language.SW: "Ada imelipwa: ziada KES {credit}.",
}
CLEARED = {Language.EN: "Fees fully paid.", Language.SW: "Ada imelipwa yote."}


def bursary_text(
    language: Language, school: School, sponsor: str, child: str, term: str, amount: int, owed: int
) -> str:
    """The notice, shortening the school's, the sponsor's and the child's names until it fits two parts."""
    if owed > 0:
        balance = OWES[language].format(owed=kes(owed, label=False))
    elif owed < 0:
        balance = CREDIT[language].format(credit=kes(-owed, label=False))
    else:
        balance = CLEARED[language]
    text = ""
    for width, name in ((40, child), (20, first_name(child)), (12, first_name(child))):
        text = within(
            BURSARY[language].format(
                school=school.name[: max(width, 20)],
                amount=kes(amount, label=False),
                sponsor=sponsor[:width],
                child=name[:width],
                term=term,
                balance=balance,
            )
        )
        if fits(text):
            break
    return text


def write_bursary_notices(session: Session, award: BursaryAward, now: dt.datetime) -> list[OutboxMessage]:
    """Tell each guardian of the award's student that it was credited (once per award and guardian)."""
    student = session.get_one(Student, award.student_id)
    school = session.get_one(School, student.school_id)
    sponsor = session.get_one(Sponsor, award.sponsor_id)
    term = session.get_one(Term, award.term_id)
    amount, owed = credited_amount(session, award), total_owed(session, student.id)
    written = []
    for link in student.guardian_links:
        guardian = link.guardian
        if EVERYTHING in (guardian.opted_out or []):
            continue
        message, created = enqueue(
            session,
            dedupe_key=f"bursary:a{award.id}:g{guardian.id}",
            phone=guardian.phone,
            body=bursary_text(guardian.language, school, sponsor.name, student.name, term.code, amount, owed),
            category=Category.BURSARY_NOTICE,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
            student_id=student.id,
        )
        if created:
            written.append(message)
    return written
