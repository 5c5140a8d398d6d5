"""The daily close: one school day's money on one page (what came in by method, the receipts issued
first to last, what is left in suspense, the payments reversed), from the journal alone.

A payment counts on the day it was received unless it was reversed, exactly as the collections report and
the cash book count it (``ledger.books.registers``), so the close for a day agrees with both for that day
whenever it is made; a receipt reversed later is shown cancelled, as the cash book shows it. Sponsors'
cheques are no receipts of Karo's: they are shown beside the totals, not in them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger.billing.sponsor_tables import Sponsor, SponsorCheque
from ledger.books.registers import METHODS, Received, received
from ledger.books.tables import Entry, Payment
from ledger.payments.reversed_payments import ReversedPayment, payments_reversed_on
from ledger.records.tables import Student

LABEL = dict(METHODS)


@dataclass(frozen=True)
class MethodTotal:
    label: str  # "M-Pesa STK", "Bank"... as the collections report heads its columns
    count: int
    amount: int  # cents


@dataclass(frozen=True)
class ClosedReceipt:
    """One receipt of the day, as the cash book lists it."""

    number: str
    method: str
    reference: str
    student: str  # "Name (ADM)", or "" while in suspense
    amount: int
    cancelled: bool
    in_suspense: bool


@dataclass(frozen=True)
class ChequeIn:
    sponsor: str
    reference: str
    amount: int


@dataclass(frozen=True)
class DailyClose:
    day: dt.date
    methods: tuple[MethodTotal, ...]  # every method, in the reports' order, zeros included
    receipts: tuple[ClosedReceipt, ...]  # in number order, cancelled ones too
    suspense_today: int  # cents of the day's payments still waiting in suspense
    suspense_count_today: int
    suspense_count: int
    suspense_total: int  # cents waiting in suspense, received on this day or before
    reversals: tuple[ReversedPayment, ...]  # payments taken back that day (any day's)
    cheques: tuple[ChequeIn, ...]  # sponsors' cheques received that day

    @property
    def total(self) -> int:
        return sum(method.amount for method in self.methods)

    @property
    def issued(self) -> tuple[ClosedReceipt, ...]:
        """The receipts that stand (the cancelled ones are listed, not counted)."""
        return tuple(receipt for receipt in self.receipts if not receipt.cancelled)

    @property
    def cancelled(self) -> tuple[ClosedReceipt, ...]:
        return tuple(receipt for receipt in self.receipts if receipt.cancelled)

    @property
    def first_receipt(self) -> str | None:
        return self.receipts[0].number if self.receipts else None

    @property
    def last_receipt(self) -> str | None:
        return self.receipts[-1].number if self.receipts else None


def daily_close(session: Session, school_id: int, day: dt.date) -> DailyClose:
    """The school's close for ``day`` (a Nairobi school day)."""
    standing = received(session, school_id, day, day)
    waiting = [item for item in standing if item.payment.student_id is None]
    count, total = suspense_waiting(session, school_id, day)
    return DailyClose(
        day=day,
        methods=_by_method(standing),
        receipts=_receipts(session, school_id, day, {item.payment.id: item for item in standing}),
        suspense_today=sum(item.payment.amount for item in waiting),
        suspense_count_today=len(waiting),
        suspense_count=count,
        suspense_total=total,
        reversals=tuple(payments_reversed_on(session, school_id, day)),
        cheques=_cheques(session, school_id, day),
    )


def _by_method(standing: list[Received]) -> tuple[MethodTotal, ...]:
    return tuple(
        MethodTotal(
            label,
            sum(1 for item in standing if item.payment.source == source),
            sum(item.payment.amount for item in standing if item.payment.source == source),
        )
        for source, label in METHODS
    )


def _receipts(
    session: Session, school_id: int, day: dt.date, standing: dict[int, Received]
) -> tuple[ClosedReceipt, ...]:
    payments = list(
        session.scalars(
            select(Payment)
            .where(Payment.school_id == school_id, Payment.received_on == day)
            .order_by(Payment.receipt_no)
        )
    )
    ids = {p.student_id for p in payments if p.student_id is not None}
    students = {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(ids)))}
    closed = []
    for payment in payments:
        student = students.get(payment.student_id) if payment.student_id is not None else None
        closed.append(
            ClosedReceipt(
                number=payment.receipt_no,
                method=LABEL[payment.source],
                reference=payment.reference,
                student=f"{student.name} ({student.admission_no})" if student else "",
                amount=payment.amount,
                cancelled=payment.id not in standing,
                in_suspense=payment.student_id is None,
            )
        )
    return tuple(closed)


def suspense_waiting(session: Session, school_id: int, day: dt.date) -> tuple[int, int]:
    """(how many, cents) of the payments received by ``day`` that stand and no student claims: what the
    collections report counts as unallocated from the first day to ``day``, and on today's close what the
    suspense page lists."""
    reversal = aliased(Entry)
    count, total = session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0))
        .outerjoin(reversal, reversal.reverses_id == Payment.entry_id)
        .where(
            Payment.school_id == school_id,
            Payment.student_id.is_(None),
            Payment.received_on <= day,
            reversal.id.is_(None),
        )
    ).one()
    return int(count), int(total)


def _cheques(session: Session, school_id: int, day: dt.date) -> tuple[ChequeIn, ...]:
    reversal = aliased(Entry)
    rows = session.execute(
        select(Sponsor.name, SponsorCheque.reference, SponsorCheque.amount)
        .join(Sponsor, Sponsor.id == SponsorCheque.sponsor_id)
        .outerjoin(reversal, reversal.reverses_id == SponsorCheque.entry_id)
        .where(
            SponsorCheque.school_id == school_id,
            SponsorCheque.received_on == day,
            reversal.id.is_(None),
        )
        .order_by(SponsorCheque.id)
    )
    return tuple(ChequeIn(name, reference, amount) for name, reference, amount in rows)
