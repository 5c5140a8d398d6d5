"""Official receipt numbers: sequential per school and year, no gaps, never reused (DESIGN §7).

Every payment, whatever its source, takes the school's next number for the year it was received, as
``KIL-2026-000123``. A counter row per school and year is bumped in the payment's own transaction: the
upsert holds that row until commit, so concurrent payments take numbers one after another, and a payment
that is rolled back (or a losing duplicate's savepoint) gives its number back with it. A reversed payment
keeps its number, shown as cancelled; nothing is renumbered.
"""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, ForeignKey, Integer, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.tables import Account, AccountKind, Entry, Line, Payment, PaymentSource
from ledger.db import Base, is_postgres
from ledger.records.refs import student_ref
from ledger.records.tables import School, Student, Term, VoteHead
from ledger.types import OfficialReceipt, ReceiptLine

METHOD = {
    PaymentSource.MPESA_STK: "M-Pesa",
    PaymentSource.MPESA_PAYBILL: "M-Pesa",
    PaymentSource.CASH: "Cash",
    PaymentSource.BANK: "Bank",
    PaymentSource.CHEQUE: "Cheque",
}
CREDIT_CARRIED = "Credit carried forward"
_RECEIPT = re.compile(r"([A-Z0-9]{1,10})-(\d{4})-(\d{1,9})")


class ReceiptCounter(Base):
    """The last receipt number a school issued in a year."""

    __tablename__ = "receipt_counters"
    __table_args__ = (UniqueConstraint("school_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(BigInteger, default=0)


def receipt_prefix(school: School) -> str:
    """The school's admission prefix when it has one, else the first three letters of its slug
    (``mwangaza`` -> ``MWA``)."""
    if school.admission_prefix and (own := re.sub(r"[^A-Z0-9]", "", school.admission_prefix.upper())):
        return own[:6]
    return re.sub(r"[^A-Z0-9]", "", school.slug.upper())[:3] or "KARO"


def format_receipt(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def next_receipt_number(session: Session, school: School, year: int) -> str:
    """Take the school's next number for ``year`` (in the caller's transaction: see the module's note).

    One upsert: the year's first payment inserts its counter at 1, every later one bumps it, holding the
    row (PostgreSQL waits on it, a racing first insert included) until the transaction ends."""
    table = ReceiptCounter.__table__
    dialect = postgresql if is_postgres(session) else sqlite
    bumped = (
        dialect.insert(table)
        .values(school_id=school.id, year=year, last=1)
        .on_conflict_do_update(index_elements=["school_id", "year"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    number = session.execute(bumped).scalar_one()
    return format_receipt(receipt_prefix(school), year, number)


def receipt_key(text: str) -> str | None:
    """A typed receipt number in the stored form (``kil-2026-123`` -> ``KIL-2026-000123``), else None."""
    found = _RECEIPT.fullmatch(re.sub(r"\s+", "", text).upper())
    if found is None:
        return None
    prefix, year, number = found.groups()
    return format_receipt(prefix, int(year), int(number))


def find_payment(session: Session, school_id: int, receipt: str) -> Payment | None:
    """A payment of the school by Karo's receipt number or by its own reference (the M-Pesa receipt, the
    bank or cash reference), whichever ``receipt`` is; case and spaces do not matter."""
    typed = receipt.strip().upper()
    if not typed:
        return None
    numbered = receipt_key(typed)
    if numbered is not None:
        found = session.scalars(
            select(Payment).where(Payment.school_id == school_id, Payment.receipt_no == numbered)
        ).one_or_none()
        if found is not None:
            return found
    return session.scalars(
        select(Payment).where(Payment.school_id == school_id, Payment.reference == typed)
    ).one_or_none()


def is_cancelled(session: Session, payment: Payment) -> bool:
    """A receipt is cancelled once its payment's entry has been reversed."""
    return session.scalar(select(Entry.id).where(Entry.reverses_id == payment.entry_id)) is not None


def official_receipt(session: Session, payment: Payment) -> OfficialReceipt:
    """The payment as its receipt shows it, spread as it was when it reached the student."""
    school = session.get(School, payment.school_id)
    student = session.get(Student, payment.student_id) if payment.student_id is not None else None
    entry = session.get(Entry, payment.allocation_entry_id or payment.entry_id)
    assert school is not None and entry is not None
    return OfficialReceipt(
        number=payment.receipt_no,
        school=school.name,
        received_on=payment.received_on,
        amount=payment.amount,
        method=METHOD[payment.source],
        reference=payment.reference,
        payer=payment.payer,
        student=student_ref(session, student) if student is not None else None,
        spread=tuple(_spread(session, entry.id)) if student is not None else (),
        cancelled=is_cancelled(session, payment),
        recorded_by=entry.created_by,
    )


def _spread(session: Session, entry_id: int) -> list[ReceiptLine]:
    """The credits the entry made to the student's accounts: each vote head paid, then credit carried."""
    rows = session.execute(
        select(Account.kind, VoteHead.name, Term.year, Term.number, Line.credit)
        .join(Account, Account.id == Line.account_id)
        .outerjoin(VoteHead, VoteHead.id == Account.vote_head_id)
        .outerjoin(Term, Term.id == Account.term_id)
        .where(Line.entry_id == entry_id, Line.credit > 0, Account.student_id.is_not(None))
        .order_by(Line.id)  # as allocated: oldest term first, then the school's vote-head priority
    )
    paid, carried = [], []
    for kind, head, year, number, amount in rows:
        if kind == AccountKind.CREDIT:
            carried.append(ReceiptLine(CREDIT_CARRIED, None, amount))
        else:
            paid.append(ReceiptLine(head or "", f"{year}-{number}", amount))
    return paid + carried
