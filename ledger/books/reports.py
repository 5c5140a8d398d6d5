"""School-level views: arrears with aging, and a term's totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger.books.tables import CHARGE_KINDS, Account, AccountKind, Entry, EntryKind, Line
from ledger.records.refs import student_ref
from ledger.records.tables import Student, Term
from ledger.types import ArrearsRow, TermTotals

BUCKET_LIMITS = (30, 60, 90)  # days past due: 0-30, 31-60, 61-90, then 90+


def aging_bucket(days_past_due: int) -> int:
    """Index 0..3 of the aging bucket for an amount this many days past its due date (>= 0)."""
    for index, limit in enumerate(BUCKET_LIMITS):
        if days_past_due <= limit:
            return index
    return len(BUCKET_LIMITS)


def arrears(
    session: Session, school_id: int, *, as_of: dt.date, class_id: int | None = None
) -> list[ArrearsRow]:
    """Every student who owes, with what is owed split by how long past its term's due date; largest first."""
    query = (
        select(Account.student_id, Account.kind, Account.balance, Term.due_on)
        .join(Student, Student.id == Account.student_id)
        .outerjoin(Term, Term.id == Account.term_id)
        .where(Student.school_id == school_id, Account.balance != 0)
    )
    if class_id is not None:
        query = query.where(Student.class_id == class_id)
    owed: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # four buckets, then not yet due
    totals: dict[int, int] = defaultdict(int)
    for student_id, _kind, balance, due_on in session.execute(query):
        assert student_id is not None  # joined to students above
        totals[student_id] += balance
        if balance > 0:
            # A positive credit account (a reversed prepayment) has no term: count it as just due.
            days = (as_of - due_on).days if due_on else 0
            owed[student_id][aging_bucket(days) if days >= 0 else 4] += balance
    debtors = [sid for sid, total in totals.items() if total > 0]
    students = {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(debtors)))}
    rows = [
        ArrearsRow(
            student_ref(session, students[sid]),
            totals[sid],
            (owed[sid][0], owed[sid][1], owed[sid][2], owed[sid][3]),
            owed[sid][4],
        )
        for sid in debtors
    ]
    return sorted(rows, key=lambda r: (-r.total, r.student.admission_no))


_CHARGES = CHARGE_KINDS
_RECEIPTS = (EntryKind.PAYMENT, EntryKind.SUSPENSE_ALLOCATION)
_CREDITS = (EntryKind.BURSARY, EntryKind.DISCOUNT)


def term_totals(session: Session, school_id: int, term: Term) -> TermTotals:
    """Invoiced, collected, credited and outstanding for one term, net of reversals.

    Lines of a reversal count under the kind of the entry they reverse, with their sides swapped,
    so a reversed cash payment lowers "collected" rather than raising "invoiced".
    """
    reversed_entry = aliased(Entry)
    root_kind = func.coalesce(reversed_entry.kind, Entry.kind)
    rows = session.execute(
        select(root_kind, func.sum(Line.debit), func.sum(Line.credit))
        .join(Entry, Entry.id == Line.entry_id)
        .outerjoin(reversed_entry, reversed_entry.id == Entry.reverses_id)
        .join(Account, Account.id == Line.account_id)
        .where(
            Account.term_id == term.id, Account.kind == AccountKind.RECEIVABLE, Entry.school_id == school_id
        )
        .group_by(root_kind)
    ).all()
    invoiced = collected = credited = 0
    for kind, debit_sum, credit_sum in rows:
        kind = EntryKind(kind)
        debit, credit = int(debit_sum or 0), int(credit_sum or 0)  # PostgreSQL sums bigints as numeric
        if kind in _CHARGES:
            # Credit lines inside an invoice are prepaid money (credit carried in) applied to it.
            invoiced += debit
            collected += credit
        elif kind in _RECEIPTS:
            collected += credit - debit
        elif kind in _CREDITS:
            credited += credit - debit
    return TermTotals(term.code, invoiced, collected, credited, invoiced - collected - credited)
