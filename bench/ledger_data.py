"""The ledger benchmark's data: an invoiced school built with the ledger's own functions, and a long
history for one student, written in bulk as the very rows ``record_payment`` would have written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.invoicing import invoice_class
from ledger.books.accounts import get_account
from ledger.books.allocation import outstanding
from ledger.books.balances import total_owed
from ledger.books.journal import body_hash
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, Line, Payment, PaymentSource
from ledger.db import transaction
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import FeeItem, School, SchoolClass, Student, VoteHead
from ledger.records.terms import set_term_dates

TERM_STARTS = dt.date(2026, 1, 5)
FEES = (("Tuition", 1, 20_000_00), ("Boarding", 2, 12_000_00), ("Activity", 3, 3_000_00))
PAID_ON = dt.date(2026, 2, 2)
ENTRIES, LINES, PAYMENTS = (cast(Table, model.__table__) for model in (Entry, Line, Payment))


@dataclass(frozen=True)
class Seeded:
    school_id: int
    class_id: int
    term_id: int
    student_ids: tuple[int, ...]


def seed_school(factory: sessionmaker[Session], students: int) -> Seeded:
    """One school, one class of ``students``, three vote heads, a term, and the class invoiced."""
    with transaction(factory) as session:
        school = School(slug="bench", name="Bench Secondary School", paybill="600100")
        session.add(school)
        session.flush()
        term = set_term_dates(
            session, school.id, "2026-1", TERM_STARTS, TERM_STARTS + dt.timedelta(days=88), PAID_ON
        )
        form = SchoolClass(school_id=school.id, name="Form 2")
        session.add(form)
        session.flush()
        for name, priority, amount in FEES:
            head = VoteHead(school_id=school.id, name=name, priority=priority)
            session.add(head)
            session.flush()
            session.add(
                FeeItem(
                    school_id=school.id,
                    term_id=term.id,
                    class_id=form.id,
                    vote_head_id=head.id,
                    amount=amount,
                )
            )
        session.add_all(student(school.id, form.id, n) for n in range(students))
        session.flush()
        invoice_class(session, form, term, actor="bench")
        ids = tuple(
            session.scalars(select(Student.id).where(Student.class_id == form.id).order_by(Student.id))
        )
        return Seeded(school.id, form.id, term.id, ids)


def student(school_id: int, class_id: int, n: int, prefix: str = "B") -> Student:
    admission = f"{prefix}{n:05d}"
    return Student(
        school_id=school_id,
        admission_no=admission,
        admission_key=admission,
        name=f"Pupil {n}",
        class_id=class_id,
    )


def pay(session: Session, school_id: int, student_id: int, reference: str, amount: int) -> None:
    """One M-Pesa Paybill payment through the real API, as a confirmation callback posts it."""
    pupil = session.get_one(Student, student_id)
    received = Received(PaymentSource.MPESA_PAYBILL, reference, amount, PAID_ON)
    record_payment(session, school_id, received, pupil, actor="bench")


def pay_off(factory: sessionmaker[Session], school_id: int, student_id: int, tag: str) -> None:
    """Clear what the student owes with one payment, so later payments become credit carried forward."""
    with transaction(factory) as session:
        pay(session, school_id, student_id, f"{tag}OFF", total_owed(session, student_id))


def pay_small(factory: sessionmaker[Session], school_id: int, student_id: int, tag: str, count: int) -> None:
    with transaction(factory) as session:
        for n in range(count):
            pay(session, school_id, student_id, f"{tag}{n:04d}", 50_00)


def grow_history(factory: sessionmaker[Session], school_id: int, student_id: int, count: int) -> None:
    """Add ``count`` M-Pesa payments to a student who owes nothing, 1,000 per transaction.

    Posting 100,000 through ``record_payment`` takes a quarter of an hour, so the rows it would write
    (entry, two lines, payment, the credit account's cached balance) are inserted in bulk instead.
    """
    with transaction(factory) as session:
        if outstanding(session, student_id):
            raise ValueError("bulk payments credit the credit account: the student must owe nothing")
        clearing = get_account(session, school_id, AccountKind.MPESA).id
        credit = get_account(session, school_id, AccountKind.CREDIT, student_id=student_id).id
    for first in range(0, count, 1000):
        numbers = range(first, min(count, first + 1000))
        with transaction(factory) as session:
            _bulk_payments(session.connection(), school_id, student_id, (clearing, credit), numbers)


def _bulk_payments(
    conn: Connection, school_id: int, student_id: int, accounts: tuple[int, int], numbers: Sequence[int]
) -> None:
    amount = 10_00
    references = [f"H{n:08d}" for n in numbers]
    entries = [_entry_row(school_id, student_id, reference, amount) for reference in references]
    returning = insert(ENTRIES).returning(ENTRIES.c.id, sort_by_parameter_order=True)
    entry_ids = conn.execute(returning, entries).scalars().all()
    clearing, credit = accounts
    conn.execute(
        insert(LINES),
        [
            {"entry_id": e, "account_id": a, "debit": d, "credit": c}
            for e in entry_ids
            for a, d, c in ((clearing, amount, 0), (credit, 0, amount))
        ],
    )
    conn.execute(
        insert(PAYMENTS),
        [
            _payment_row(school_id, student_id, e, r, amount)
            for e, r in zip(entry_ids, references, strict=True)
        ],
    )
    conn.execute(
        update(Account).where(Account.id == credit).values(balance=Account.balance - amount * len(numbers))
    )


def _entry_row(school_id: int, student_id: int, reference: str, amount: int) -> dict[str, Any]:
    body = {
        "source": PaymentSource.MPESA_PAYBILL.value,
        "amount": amount,
        "student": student_id,
        "on": PAID_ON.isoformat(),
    }
    return {
        "school_id": school_id,
        "kind": EntryKind.PAYMENT,
        "memo": f"M-Pesa payment {reference}",
        "effective_on": PAID_ON,
        "created_by": "bench",
        "idempotency_key": f"payment:{reference}",
        "body_hash": body_hash(body),
        "student_id": student_id,
    }


def _payment_row(
    school_id: int, student_id: int, entry_id: int, reference: str, amount: int
) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "entry_id": entry_id,
        "source": PaymentSource.MPESA_PAYBILL,
        "reference": reference,
        "amount": amount,
        "student_id": student_id,
        "received_on": PAID_ON,
        # Numbered apart from the school's own series (its counter is not bumped): unique, as it must be.
        "receipt_no": f"HIST-{PAID_ON.year}-{reference[1:]}",
    }
