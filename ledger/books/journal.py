"""Posting balanced entries, once per idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, case, insert, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ledger.books.tables import STUDENT_KINDS, Account, Entry, EntryKind, Line
from ledger.clock import utc_now
from ledger.db import is_postgres
from ledger.errors import IdempotencyConflict, UnbalancedEntry
from ledger.events import StudentBalanceChanged, raise_event
from ledger.records.tables import Student


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
    write_legs(session, school_id, entry.id, kind, legs)
    return entry


_CLAIMED = (
    "school_id",
    "kind",
    "memo",
    "effective_on",
    "created_by",
    "idempotency_key",
    "body_hash",
    "student_id",
)


def claim_entry(session: Session, entry: Entry, *, unless: ColumnElement[bool] | None = None) -> int | None:
    """Write ``entry`` (built, not added to the session; no term, no reversal) unless its key is taken
    or ``unless`` holds (None then); its lines follow with ``write_legs``. One ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING``, first of the posting's writes, so a repeat (a concurrent one too: PostgreSQL
    waits for it) writes nothing and needs no savepoint. For a student's entry the same statement locks
    the student before the key is checked, the lock ``ledger.books.allocation.lock_student`` takes, so
    what is read next is read under it."""
    values = {name: getattr(entry, name) for name in _CLAIMED}
    student_id = entry.student_id
    table = Entry.__table__
    row = select(*(literal(value, table.c[name].type) for name, value in values.items()))
    if student_id is not None:
        row = row.select_from(Student).where(Student.id == student_id).with_for_update(of=Student)
    row = row.where(true() if unless is None else ~unless)  # SQLite reads ON CONFLICT only after a WHERE
    dialect = postgresql if is_postgres(session) else sqlite
    claim = (
        dialect.insert(table)
        .from_select(list(values), row)
        .on_conflict_do_nothing(index_elements=["school_id", "idempotency_key"])
        .returning(table.c.id)
    )
    return session.execute(claim).scalar_one_or_none()


def write_legs(session: Session, school_id: int, entry_id: int, kind: EntryKind, legs: list[Leg]) -> None:
    """The entry's lines in one statement, the student accounts' cached balances in one more."""
    check_balanced(legs)
    rows = [
        {"entry_id": entry_id, "account_id": leg.account.id, "debit": leg.debit, "credit": leg.credit}
        for leg in legs
    ]
    session.execute(insert(_table(Line)), rows)
    _bump_cached_balances(session, legs)
    _tell_balance_changes(session, school_id, entry_id, kind, legs)


def _bump_cached_balances(session: Session, legs: list[Leg]) -> None:
    """One UPDATE for every student account the legs move; the accounts held in the session take the
    balances it returns (PostgreSQL locks the rows in id order, as the single updates did)."""
    deltas: dict[int, int] = defaultdict(int)
    accounts: dict[int, Account] = {}
    for leg in legs:
        if leg.account.kind in STUDENT_KINDS:
            deltas[leg.account.id] += leg.debit - leg.credit
            accounts[leg.account.id] = leg.account
    moved = {account_id: delta for account_id, delta in deltas.items() if delta}
    if not moved:
        return
    table = _table(Account)
    bumped = (
        update(table)
        .where(table.c.id.in_(sorted(moved)))
        .values(balance=table.c.balance + case(moved, value=table.c.id))
        .returning(table.c.id, table.c.balance)
    )
    for account_id, balance in session.execute(bumped):
        set_committed_value(accounts[account_id], "balance", balance)


def _table(model: type[Line] | type[Account]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _tell_balance_changes(
    session: Session, school_id: int, entry_id: int, kind: EntryKind, legs: list[Leg]
) -> None:
    """One event per student whose total this entry changed (a rebalancing between vote heads is none)."""
    changes: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.kind in STUDENT_KINDS and leg.account.student_id is not None:
            changes[leg.account.student_id] += leg.debit - leg.credit
    now = utc_now()
    for student_id, change in sorted(changes.items()):
        if change:
            raise_event(session, StudentBalanceChanged(school_id, student_id, entry_id, kind, change, now))
