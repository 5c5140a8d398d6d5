"""Checks that the books are whole: every entry balances and every cached balance equals its lines."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.books.tables import STUDENT_KINDS, Account, Line


def unbalanced_entries(session: Session) -> list[int]:
    """Ids of entries whose lines do not sum to zero (always empty unless the database was tampered with)."""
    query = (
        select(Line.entry_id).group_by(Line.entry_id).having(func.sum(Line.debit) != func.sum(Line.credit))
    )
    return list(session.scalars(query))


def cached_balance_mismatches(session: Session) -> list[tuple[int, int, int]]:
    """(account id, cached, summed) for every student account whose cached balance is wrong."""
    summed = (
        select(Line.account_id, func.sum(Line.debit - Line.credit).label("total"))
        .group_by(Line.account_id)
        .subquery()
    )
    rows = session.execute(
        select(Account.id, Account.balance, func.coalesce(summed.c.total, 0))
        .outerjoin(summed, summed.c.account_id == Account.id)
        .where(Account.kind.in_(STUDENT_KINDS))
    ).all()
    return [(aid, cached, int(total)) for aid, cached, total in rows if cached != total]
