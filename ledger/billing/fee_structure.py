"""Changing a class's fee structure for a term: add an item, change its amount, retire it (amount 0),
make it optional or compulsory.

Before any student of the class is invoiced for the term, a change only edits the structure. After, the
invoices stand: a change of amount is a charge (raised) or a credit (lowered) of the whole difference to
each invoiced, active student it touches (every one for a compulsory item; for an optional item, those
enrolled at the item's amount), previewed first (``preview_fee_change``: who and how much) and applied in
one step under one key. Making an item optional or compulsory changes who owes it, so it is allowed only
before invoicing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.billing.enrolments import Enrolment, fee_item
from ledger.books.accounts import get_account, receivable_account
from ledger.books.journal import Leg, find_by_key
from ledger.books.posting import post_for_student
from ledger.books.tables import AccountKind, Entry, EntryKind
from ledger.errors import InvalidAmount, LedgerError
from ledger.money import kes
from ledger.records.tables import FeeItem, SchoolClass, Student, Term, VoteHead


class FeeStructureChanged(LedgerError):
    """The change cannot be made as asked: the class is invoiced, or the fee moved since the preview."""


@dataclass(frozen=True)
class FeeChange:
    term: Term
    school_class: SchoolClass
    head: VoteHead
    before: int  # cents a student paid for the item (0: no item yet)
    after: int  # cents from now on (0: retired)
    touched: list[Student]  # invoiced students charged (raised) or credited (lowered) the difference

    @property
    def difference(self) -> int:
        return self.after - self.before

    @property
    def total(self) -> int:
        return self.difference * len(self.touched)

    def memo(self) -> str:
        how = "raised" if self.after > self.before else "lowered"
        before, after = kes(self.before, always_cents=True), kes(self.after, always_cents=True)
        return f"{self.head.name} for term {self.term.code} {how}: {before} to {after}"


def invoiced_students(session: Session, term_id: int, class_id: int) -> list[Student]:
    """The class's active students whose invoice for the term stands (posted and not reversed)."""
    reversal = aliased(Entry)
    query = (
        select(Student)
        .join(Entry, Entry.student_id == Student.id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Student.class_id == class_id,
            Student.active.is_(True),
            Entry.kind == EntryKind.INVOICE,
            Entry.term_id == term_id,
            reversal.id.is_(None),
        )
        .distinct()
        .order_by(Student.id)
    )
    return list(session.scalars(query))


def preview_fee_change(
    session: Session, term: Term, school_class: SchoolClass, head: VoteHead, amount: int
) -> FeeChange:
    """What setting the item to ``amount`` would do: the invoiced students it touches and by how much."""
    if amount < 0:
        raise InvalidAmount("a fee is zero (retired) or more")
    item = fee_item(session, term.id, school_class.id, head.id)
    before = item.amount if item is not None else 0
    students = invoiced_students(session, term.id, school_class.id) if amount != before else []
    if item is not None and item.optional:
        enrolled = set(
            session.scalars(
                select(Enrolment.student_id).where(
                    Enrolment.term_id == term.id,
                    Enrolment.vote_head_id == head.id,
                    Enrolment.left_on.is_(None),
                    Enrolment.amount.is_(None),
                )
            )
        )
        students = [s for s in students if s.id in enrolled]
    return FeeChange(term, school_class, head, before, amount, students)


def apply_fee_change(
    session: Session, change: FeeChange, *, key: str, on: dt.date, actor: str
) -> tuple[list[Entry], bool]:
    """Set the item as previewed and post each touched student's difference under ``key:s<id>``; a retry
    with the same key returns the entries posted first. Returns (entries, applied now)."""
    first = [
        find_by_key(session, change.term.school_id, f"{key}:s{s.id}", _body(change, s))
        for s in change.touched
    ]
    if any(entry is not None for entry in first):
        return [entry for entry in first if entry is not None], False
    item = fee_item(session, change.term.id, change.school_class.id, change.head.id)
    now = preview_fee_change(session, change.term, change.school_class, change.head, change.after)
    if (now.before, [s.id for s in now.touched]) != (change.before, [s.id for s in change.touched]):
        raise FeeStructureChanged("the fee or its students changed since the preview: look again")
    if item is None:
        term, school_class = change.term, change.school_class
        item = FeeItem(school_id=term.school_id, term_id=term.id, class_id=school_class.id)
        item.vote_head_id = change.head.id
        session.add(item)
    item.amount = change.after
    session.flush()
    entries = [
        _post(session, change, student, key=f"{key}:s{student.id}", on=on, actor=actor)
        for student in change.touched
    ]
    return entries, True


def set_optional(
    session: Session, term: Term, school_class: SchoolClass, head: VoteHead, optional: bool
) -> FeeItem:
    """Make the class's item optional (billed to the enrolled only) or compulsory, before invoicing."""
    item = fee_item(session, term.id, school_class.id, head.id)
    if item is None:
        raise FeeStructureChanged(f"{school_class.name} has no {head.name} fee in term {term.code}")
    if item.optional != optional and invoiced_students(session, term.id, school_class.id):
        raise FeeStructureChanged(
            f"{school_class.name} is already invoiced for term {term.code}: who owes {head.name} "
            "can no longer change for the whole class; enrol or take off students one by one"
        )
    item.optional = optional
    session.flush()
    return item


def _body(change: FeeChange, student: Student) -> dict[str, int]:
    return {
        "student": student.id,
        "term": change.term.id,
        "head": change.head.id,
        "before": change.before,
        "after": change.after,
    }


def _post(
    session: Session, change: FeeChange, student: Student, *, key: str, on: dt.date, actor: str
) -> Entry:
    def legs() -> list[Leg]:
        receivable = receivable_account(session, student, change.term.id, change.head.id)
        income = get_account(session, student.school_id, AccountKind.INCOME, vote_head_id=change.head.id)
        amount = abs(change.difference)
        if change.difference > 0:
            return [Leg(receivable, debit=amount), Leg(income, credit=amount)]
        return [Leg(income, debit=amount), Leg(receivable, credit=amount)]

    entry, _ = post_for_student(
        session,
        student,
        kind=EntryKind.CHARGE,
        key=key,
        body=_body(change, student),
        legs=legs,
        memo=change.memo(),
        effective_on=on,
        actor=actor,
        term_id=change.term.id,
    )
    return entry
