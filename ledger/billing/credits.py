"""Money a family no longer owes without paying it: bursaries, discounts; and imported opening balances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ledger.books.accounts import get_account, receivable_account
from ledger.books.allocation import allocate, lock_student, outstanding
from ledger.books.journal import Leg, once, post_entry
from ledger.books.tables import AccountKind, Entry, EntryKind
from ledger.errors import InvalidAmount
from ledger.money import kes
from ledger.records.tables import Student, Term, VoteHead

OPENING_VOTE_HEAD = "Balance brought forward"


def grant_credit(
    session: Session,
    student: Student,
    amount: int,
    *,
    key: str,
    memo: str,
    on: dt.date,
    actor: str,
    kind: EntryKind = EntryKind.BURSARY,
    vote_head_ids: Sequence[int] | None = None,
) -> tuple[Entry, bool]:
    """Credit a student with a bursary or discount, against the given vote heads only when named.

    Restricted to vote heads, it may not exceed what those heads owe (it must not pay for others);
    unrestricted, any excess is carried forward as credit.
    """
    if amount <= 0:
        raise InvalidAmount("a bursary or discount must be more than zero")
    if kind not in (EntryKind.BURSARY, EntryKind.DISCOUNT):
        raise ValueError(f"not a credit kind: {kind}")
    body = {"student": student.id, "amount": amount, "kind": kind.value, "heads": sorted(vote_head_ids or [])}

    # Not post_for_student: its legs are themselves the allocation (what is owed, in order, on the named
    # heads only, the rest as credit): there is nothing for rebalancing to correct.
    def post() -> Entry:
        lock_student(session, student.id)
        shares, left = allocate(amount, outstanding(session, student.id, vote_head_ids))
        if left and vote_head_ids is not None:
            raise InvalidAmount(f"{kes(amount, always_cents=True)} is more than those vote heads owe")
        legs = [Leg(get_account(session, student.school_id, AccountKind.BURSARY), debit=amount)]
        legs += [Leg(owed.account, credit=share) for owed, share in shares]
        if left:
            legs.append(
                Leg(
                    get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id),
                    credit=left,
                )
            )
        return post_entry(
            session,
            school_id=student.school_id,
            kind=kind,
            legs=legs,
            key=key,
            body=body,
            memo=memo,
            effective_on=on,
            actor=actor,
            student_id=student.id,
        )

    return once(session, student.school_id, key, body, post)


def post_opening_balance(
    session: Session,
    student: Student,
    amount: int,
    term: Term,
    opening_head: VoteHead,
    *,
    key: str,
    actor: str,
) -> tuple[Entry, bool]:
    """Bring a balance from the school's old books: positive is owed (in ``term``), negative is credit."""
    if amount == 0:
        raise InvalidAmount("an opening balance of zero needs no entry")
    body = {"student": student.id, "amount": amount, "term": term.id}

    # Not post_for_student: a balance brought from the old books is entered as it was, not rebalanced
    # against credit (the import that brings it decides what is owed).
    def post() -> Entry:
        lock_student(session, student.id)
        opening = get_account(session, student.school_id, AccountKind.OPENING)
        if amount > 0:
            owed = receivable_account(session, student, term.id, opening_head.id)
            legs = [Leg(owed, debit=amount), Leg(opening, credit=amount)]
        else:
            credit = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
            legs = [Leg(opening, debit=-amount), Leg(credit, credit=-amount)]
        return post_entry(
            session,
            school_id=student.school_id,
            kind=EntryKind.OPENING_BALANCE,
            legs=legs,
            key=key,
            body=body,
            memo="Balance brought forward",
            effective_on=term.starts_on,
            actor=actor,
            student_id=student.id,
            term_id=term.id,
        )

    return once(session, student.school_id, key, body, post)
