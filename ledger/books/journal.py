"""Posting balanced entries, once per idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.books.tables import STUDENT_KINDS, Account, Entry, EntryKind, Line
from ledger.clock import utc_now
from ledger.errors import IdempotencyConflict, UnbalancedEntry
from ledger.events import StudentBalanceChanged, raise_event


@dataclass(frozen=True)
class Leg:
    """One side of an entry: a positive debit or a positive credit on an account."""

    account: Account
    debit: int = 0
    credit: int = 0


def body_hash(body: Mapping[str, Any]) -> str:
    """A stable fingerprint of a request, to tell a retry from a different request under the same key."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_by_key(session: Session, school_id: int, key: str, body: Mapping[str, Any]) -> Entry | None:
    """The entry posted earlier under this key, or None. Refuses a key reused for another request."""
    entry = session.scalars(
        select(Entry).where(Entry.school_id == school_id, Entry.idempotency_key == key)
    ).one_or_none()
    if entry is not None and entry.body_hash != body_hash(body):
        raise IdempotencyConflict(key)
    return entry


def posted_entry(session: Session, school_id: int, key: str) -> Entry | None:
    """The entry posted under ``key``, whatever its body, or None."""
    query = select(Entry).where(Entry.school_id == school_id, Entry.idempotency_key == key)
    return session.scalars(query).one_or_none()


def live_key(session: Session, school_id: int, base: str) -> str:
    """The key for posting under ``base`` now: ``base`` itself, or ``base#n`` once n earlier postings under
    it have been reversed, so an invoice (or allocation) undone by a reversal can be posted afresh while a
    plain retry still finds the live one."""
    key, n = base, 0
    while True:
        # Exact keys, so the unique (school_id, idempotency_key) index answers each probe.
        entry_id = session.scalar(
            select(Entry.id).where(Entry.school_id == school_id, Entry.idempotency_key == key)
        )
        if entry_id is None or session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id)) is None:
            return key
        n += 1
        key = f"{base}#{n}"


def once(
    session: Session,
    school_id: int,
    key: str,
    body: Mapping[str, Any],
    post: Callable[[], Entry],
) -> tuple[Entry, bool]:
    """Run ``post`` unless this key was posted already; returns (entry, created).

    ``post`` runs in a savepoint: if a concurrent transaction commits the same key first, the unique
    constraint fires, the savepoint is undone, and the winner's entry is returned instead.

    Not ``ledger.bulk.insert_or_fetch``: the key is claimed by the entry that ``post`` writes last, after
    lines, accounts, payments and events it may have added; all of that must be undone with a losing
    duplicate, which one ``INSERT ... ON CONFLICT`` cannot do.
    """
    existing = find_by_key(session, school_id, key, body)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            return post(), True
    except IntegrityError:
        existing = find_by_key(session, school_id, key, body)
        if existing is None:
            raise
        return existing, False


def check_balanced(legs: Iterable[Leg]) -> None:
    legs = list(legs)
    if not legs:
        raise UnbalancedEntry("an entry needs at least one line")
    for leg in legs:
        if leg.debit < 0 or leg.credit < 0 or (leg.debit == 0) == (leg.credit == 0):
            raise UnbalancedEntry("each line is a positive debit or a positive credit, not both")
    debits = sum(leg.debit for leg in legs)
    credits = sum(leg.credit for leg in legs)
    if debits != credits:
        raise UnbalancedEntry(f"debits {debits} and credits {credits} differ")


def post_entry(
    session: Session,
    *,
    school_id: int,
    kind: EntryKind,
    legs: list[Leg],
    key: str,
    body: Mapping[str, Any],
    memo: str,
    effective_on: dt.date,
    actor: str,
    student_id: int | None = None,
    term_id: int | None = None,
    reverses_id: int | None = None,
) -> Entry:
    """Write one balanced entry and keep the student accounts' cached balances in step."""
    check_balanced(legs)
    entry = Entry(
        school_id=school_id,
        kind=kind,
        memo=memo[:200],
        effective_on=effective_on,
        created_by=actor,
        idempotency_key=key,
        body_hash=body_hash(body),
        student_id=student_id,
        term_id=term_id,
        reverses_id=reverses_id,
    )
    session.add(entry)
    session.flush()
    session.add_all(
        Line(entry_id=entry.id, account_id=leg.account.id, debit=leg.debit, credit=leg.credit) for leg in legs
    )
    _bump_cached_balances(session, legs)
    session.flush()
    _tell_balance_changes(session, entry, legs)
    return entry


def _bump_cached_balances(session: Session, legs: list[Leg]) -> None:
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.kind in STUDENT_KINDS:
            deltas[leg.account.id] += leg.debit - leg.credit
    for account_id, delta in sorted(deltas.items()):
        if delta:
            session.execute(
                update(Account).where(Account.id == account_id).values(balance=Account.balance + delta)
            )


def _tell_balance_changes(session: Session, entry: Entry, legs: list[Leg]) -> None:
    """One event per student whose total this entry changed (a rebalancing between vote heads is none)."""
    changes: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.kind in STUDENT_KINDS and leg.account.student_id is not None:
            changes[leg.account.student_id] += leg.debit - leg.credit
    now = utc_now()
    for student_id, change in sorted(changes.items()):
        if change:
            changed = StudentBalanceChanged(entry.school_id, student_id, entry.id, entry.kind, change, now)
            raise_event(session, changed)
