"""Optional fee items (transport, lunch, boarding, a trip) and the students enrolled in them.

A fee item is optional for its class when ``FeeItem.optional`` is set: then only the students enrolled in
its vote head for the term are invoiced for it, at the enrolment's own amount when it gives one (a bus
route's fare), else at the item's. An item becomes optional in one of two ways: enrolling anyone in a
term's vote head (``karo import enrolments``) marks that head's items for the term optional in every
class, and the import says so in its summary; or the bursar turns it on per item on the dashboard's fee
structure, before the class is invoiced. A student who is not active is invoiced for no optional item.

What happens once a term is invoiced (a join or a leave is a charge or a credit from that day, never an
edit of the invoice) is ``ledger.billing.optional_changes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BigInteger, Date, ForeignKey, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.reversals import live_entries
from ledger.books.tables import Entry, EntryKind
from ledger.db import Base, UtcDateTime
from ledger.errors import LedgerError
from ledger.records.tables import FeeItem, Student, Term, VoteHead


class Enrolment(Base):
    """A student taking an optional vote head in a term. One row per student, term and vote head: a
    student who leaves has ``left_on`` set; one who joins again starts afresh from ``starts_on``."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("student_id", "term_id", "vote_head_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    vote_head_id: Mapped[int] = mapped_column(ForeignKey("vote_heads.id"))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # cents; None: the class's fee item amount
    starts_on: Mapped[dt.date | None] = mapped_column(Date)  # None: from the term's first day
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # the first day no longer taken
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    @property
    def active(self) -> bool:
        return self.left_on is None


class EnrolmentRefused(LedgerError):
    """An enrolment that cannot be: no fee to bill, a student who is not active, a term already over."""


def enrolment_of(session: Session, student_id: int, term_id: int, vote_head_id: int) -> Enrolment | None:
    return session.scalars(
        select(Enrolment).where(
            Enrolment.student_id == student_id,
            Enrolment.term_id == term_id,
            Enrolment.vote_head_id == vote_head_id,
        )
    ).one_or_none()


def active_enrolments(session: Session, student_id: int, term_id: int) -> dict[int, Enrolment]:
    """The student's current enrolments for the term, by vote head id."""
    rows = session.scalars(
        select(Enrolment).where(
            Enrolment.student_id == student_id, Enrolment.term_id == term_id, Enrolment.left_on.is_(None)
        )
    )
    return {row.vote_head_id: row for row in rows}


def fee_item(session: Session, term_id: int, class_id: int, vote_head_id: int) -> FeeItem | None:
    return session.scalars(
        select(FeeItem).where(
            FeeItem.term_id == term_id, FeeItem.class_id == class_id, FeeItem.vote_head_id == vote_head_id
        )
    ).one_or_none()


def enrolment_amount(session: Session, student: Student, enrolment: Enrolment) -> int:
    """What a whole term of the enrolment costs: its own amount, else the class's item (0 if none)."""
    if enrolment.amount is not None:
        return enrolment.amount
    item = fee_item(session, enrolment.term_id, student.class_id, enrolment.vote_head_id)
    return item.amount if item is not None else 0


def billed_fees(
    session: Session, student: Student, term: Term, items: Sequence[tuple[FeeItem, VoteHead]]
) -> list[tuple[VoteHead, int]]:
    """What the student's invoice for the term bills, per vote head, from the class's ``items``: every
    compulsory one; the optional ones the student is enrolled in, at the enrolment's amount when it gives
    one; and an enrolment with its own amount in a head the class has no item for. No optional item for
    a student who is not active."""
    enrolled = active_enrolments(session, student.id, term.id) if student.active else {}
    billed = []
    for item, head in items:
        enrolment = enrolled.pop(head.id, None)
        if not item.optional:
            billed.append((head, item.amount))
        elif enrolment is not None:
            billed.append((head, item.amount if enrolment.amount is None else enrolment.amount))
    own = [e for e in enrolled.values() if e.amount]  # enrolments outside the class's structure
    for enrolment in own:
        own_head = session.get(VoteHead, enrolment.vote_head_id)
        assert own_head is not None  # a foreign key
        billed.append((own_head, enrolment.amount or 0))
    return [(head, amount) for head, amount in billed if amount > 0]


def mark_optional(session: Session, term_id: int, vote_head_id: int) -> list[FeeItem]:
    """Make every class's item of this vote head for the term optional; returns those newly marked."""
    items = session.scalars(
        select(FeeItem).where(
            FeeItem.term_id == term_id, FeeItem.vote_head_id == vote_head_id, FeeItem.optional.is_(False)
        )
    )
    marked = list(items)
    for item in marked:
        item.optional = True
    session.flush()
    return marked


def live_invoice(session: Session, student_id: int, term_id: int) -> Entry | None:
    """The student's invoice for the term, unless none was posted or it was reversed."""
    entries = live_entries(session, student_id, term_id, EntryKind.INVOICE)
    return entries[-1] if entries else None
