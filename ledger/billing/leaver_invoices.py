"""Invoices a leaver still carries for terms that began after they left: posted before the leaving was
recorded. Leaving never edits the books, so these stand until the bursar reverses them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.books.tables import Entry, EntryKind
from ledger.records.tables import Student, Term


def invoiced_after_leaving(session: Session, student: Student) -> list[tuple[str, int]]:
    """(term code, invoice entry id) of each live invoice of a term that began after the student left."""
    if student.left_on is None:
        return []
    reversal = aliased(Entry)
    query = (
        select(Term, Entry.id)
        .join(Entry, Entry.term_id == Term.id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Entry.student_id == student.id,
            Entry.kind == EntryKind.INVOICE,
            Term.starts_on > student.left_on,
            reversal.id.is_(None),
        )
        .order_by(Term.starts_on)
    )
    return [(term.code, entry_id) for term, entry_id in session.execute(query)]
