"""Finding (or opening) a school's accounts by what they are for."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books.tables import Account, AccountKind, PaymentSource
from ledger.bulk import insert_or_fetch
from ledger.records.tables import Student

CLEARING_FOR_SOURCE = {
    PaymentSource.MPESA_STK: AccountKind.MPESA,
    PaymentSource.MPESA_PAYBILL: AccountKind.MPESA,
    PaymentSource.CASH: AccountKind.CASH,
    PaymentSource.BANK: AccountKind.BANK,
    PaymentSource.CHEQUE: AccountKind.BANK,
}


def account_key(
    kind: AccountKind,
    student_id: int | None = None,
    term_id: int | None = None,
    vote_head_id: int | None = None,
) -> str:
    parts = [kind.value]
    parts += [
        f"{tag}{value}" for tag, value in (("s", student_id), ("t", term_id), ("v", vote_head_id)) if value
    ]
    return ":".join(parts)


def get_account(
    session: Session,
    school_id: int,
    kind: AccountKind,
    *,
    student_id: int | None = None,
    term_id: int | None = None,
    vote_head_id: int | None = None,
) -> Account:
    """The account for this purpose, opened on first use (safely when two transactions race)."""
    key = account_key(kind, student_id, term_id, vote_head_id)
    values = {
        "school_id": school_id,
        "key": key,
        "kind": kind,
        "student_id": student_id,
        "term_id": term_id,
        "vote_head_id": vote_head_id,
        "balance": 0,
    }
    account, _ = insert_or_fetch(session, Account, values, lambda: _find(session, school_id, key))
    return account


def receivable_account(session: Session, student: Student, term_id: int, vote_head_id: int) -> Account:
    """What the student's family owes for one term and vote head (opened on first use)."""
    return get_account(
        session,
        student.school_id,
        AccountKind.RECEIVABLE,
        student_id=student.id,
        term_id=term_id,
        vote_head_id=vote_head_id,
    )


def _find(session: Session, school_id: int, key: str) -> Account | None:
    # populate_existing: a balance cached in this session may be older than the row we now hold locked.
    query = select(Account).where(Account.school_id == school_id, Account.key == key)
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def student_accounts(session: Session, student_id: int) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.student_id == student_id).order_by(Account.id)))
