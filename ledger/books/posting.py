"""Posting one entry for a student, once: the shape every student charge and discount shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from ledger.books.allocation import lock_student, rebalancing_legs
from ledger.books.journal import Leg, once, post_entry
from ledger.books.tables import Entry, EntryKind
from ledger.records.tables import Student


def post_for_student(
    session: Session,
    student: Student,
    *,
    kind: EntryKind,
    key: str,
    body: Mapping[str, Any],
    legs: Callable[[], list[Leg]],
    memo: str,
    effective_on: dt.date,
    actor: str,
    term_id: int | None = None,
) -> tuple[Entry, bool]:
    """Post ``legs()`` for the student under ``key`` unless it was posted already; returns (entry, created).

    ``legs`` is called only when posting, after the student is locked and inside ``once``'s savepoint,
    so the balances it reads are current and any account it creates is undone with a losing duplicate.
    The rebalancing legs are added so the student's allocation stays true after the entry.
    """

    def post() -> Entry:
        lock_student(session, student.id)
        pending = legs()
        return post_entry(
            session,
            school_id=student.school_id,
            kind=kind,
            legs=pending + rebalancing_legs(session, student, pending),
            key=key,
            body=body,
            memo=memo,
            effective_on=effective_on,
            actor=actor,
            student_id=student.id,
            term_id=term_id,
        )

    return once(session, student.school_id, key, body, post)
