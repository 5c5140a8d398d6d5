"""Messages to a whole family: the term's fees when its children are invoiced, a late fee when one is
charged, thanks when all is paid.

Each is written to the outbox in the transaction that causes them, one message per family (a guardian's
phone in the school) covering each of its children, and never to a phone that stopped all messages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.books.tables import Account, Entry, EntryKind, Payment
from ledger.messaging.outbox import Category, OutboxMessage, enqueue
from ledger.messaging.reminder_texts import Child, invoice_text, late_fee_text, thanks_text
from ledger.records.parents import EVERYTHING
from ledger.records.tables import Guardian, School, SchoolClass, Student, StudentGuardian, Term


def _owed(session: Session, student_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Account.student_id, func.sum(Account.balance))
        .where(Account.student_id.in_(student_ids))
        .group_by(Account.student_id)
    )
    return {student_id: int(total) for student_id, total in rows if student_id is not None}


def _guardians_of(session: Session, student_ids: list[int]) -> dict[Guardian, list[Student]]:
    rows = session.execute(
        select(Guardian, Student)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(Student.id.in_(student_ids), Student.active.is_(True))
        .order_by(Guardian.id, Student.admission_no)
    )
    families: dict[Guardian, list[Student]] = defaultdict(list)
    for guardian, student in rows:
        families[guardian].append(student)
    return families


def write_invoice_notices(
    session: Session, school_class: SchoolClass, term: Term, *, now: dt.datetime
) -> list[OutboxMessage]:
    """Tell each family of the class's invoiced children the term's fees; again only for a new child."""
    school = session.get_one(School, school_class.school_id)
    invoiced = list(
        session.scalars(
            select(Student.id)
            .join(Entry, Entry.student_id == Student.id)
            .where(
                Student.class_id == school_class.id, Entry.term_id == term.id, Entry.kind == EntryKind.INVOICE
            )
            .distinct()
        )
    )

    def render(guardian: Guardian, children: list[Student], listed: list[Child]) -> str:
        return invoice_text(guardian.language, school, term.code, listed, term.due_on)

    return _tell_families(
        session, school, invoiced, f"invoice:t{term.id}", Category.INVOICE_NOTICE, render, now
    )


def write_late_fee_notices(
    session: Session, term: Term, fees: dict[int, int], *, now: dt.datetime
) -> list[OutboxMessage]:
    """Tell each family the late fees just charged to its children (``fees``: cents by student), once."""
    school = session.get_one(School, term.school_id)

    def render(guardian: Guardian, children: list[Student], listed: list[Child]) -> str:
        fee = sum(fees[child.id] for child in children)
        return late_fee_text(guardian.language, school, term.code, listed, fee, term.due_on)

    return _tell_families(
        session, school, list(fees), f"late-fee:t{term.id}", Category.LATE_FEE_NOTICE, render, now
    )


def _tell_families(
    session: Session,
    school: School,
    student_ids: list[int],
    event: str,
    category: Category,
    render: Callable[[Guardian, list[Student], list[Child]], str],
    now: dt.datetime,
) -> list[OutboxMessage]:
    """One message per family of these children (each listed with what they owe now), keyed by the event,
    the guardian and the children, so the same event tells a family once; none to a phone that stopped all."""
    if not student_ids:
        return []
    owed = _owed(session, student_ids)
    written = []
    for guardian, children in _guardians_of(session, student_ids).items():
        if EVERYTHING in (guardian.opted_out or []):
            continue
        ids = "-".join(str(child.id) for child in children)
        listed = [Child(child.name, child.admission_no, owed.get(child.id, 0)) for child in children]
        message, created = enqueue(
            session,
            dedupe_key=f"{event}:g{guardian.id}:s{ids}",
            phone=guardian.phone,
            body=render(guardian, children, listed),
            category=category,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
            student_id=children[0].id if len(children) == 1 else None,
        )
        if created:
            written.append(message)
    return written


def write_family_thanks(session: Session, payment: Payment, now: dt.datetime) -> list[OutboxMessage]:
    """Thank each family of several children whose total owed this payment brought to zero (or credit).

    A family of one child is thanked by the receipt itself ("Fees fully paid"), so it gets no second text.
    """
    if payment.student_id is None:
        return []
    school = session.get_one(School, payment.school_id)
    written = []
    for guardian in _guardians_of(session, [payment.student_id]):
        if EVERYTHING in (guardian.opted_out or []):
            continue
        children = [link.student for link in guardian.student_links if link.student.active]
        if len(children) < 2:
            continue
        owed_after = sum(_owed(session, [child.id for child in children]).values())
        if not owed_after <= 0 < owed_after + payment.amount:
            continue
        message, _ = enqueue(
            session,
            dedupe_key=f"thanks:g{guardian.id}:p{payment.id}",
            phone=guardian.phone,
            body=thanks_text(guardian.language, school, [child.name for child in children]),
            category=Category.THANKS,
            now=now,
            school_id=school.id,
            guardian_id=guardian.id,
        )
        written.append(message)
    return written
