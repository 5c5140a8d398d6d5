"""Hypothesis: any sequence of invoices, payments, reversals, bursaries and suspense moves keeps the books
whole, and re-applying any operation with its idempotency key changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.billing.credits import grant_credit
from ledger.billing.invoicing import invoice_student
from ledger.books.accounts import student_accounts
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.tables import AccountKind, Payment, PaymentSource
from ledger.errors import LedgerError
from ledger.payments.recording import Received, allocate_suspense, record_payment
from tests import builders as b
from tests.conftest import empty_tables

FEES = {"Tuition": 20_000_00, "Boarding": 12_000_00, "Activity": 3_000_00}

students = st.integers(0, 2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), students, st.integers(0, 1)),
        st.tuples(st.just("pay"), st.integers(-1, 2), st.integers(1, 60_000_00), st.integers(0, 6)),
        st.tuples(st.just("bursary"), students, st.integers(1, 25_000_00), st.booleans(), st.integers(0, 3)),
        st.tuples(st.just("reverse"), st.integers(0, 40)),
        st.tuples(st.just("allocate"), st.integers(0, 10), students),
        st.tuples(st.just("replay"), st.integers(0, 40)),
    ),
    max_size=20,
)


@dataclass
class World:
    school_id: int
    students: list
    terms: list
    tuition_id: int
    expected: dict[int, int] = field(default_factory=dict)  # student id -> owed, by our own arithmetic
    effects: dict[int, dict[int, int]] = field(default_factory=dict)  # entry id -> {student id: change}
    entries: list[int] = field(default_factory=list)
    done: list[tuple] = field(default_factory=list)  # (operation, entry id) that succeeded, for replay
    reversed: set[int] = field(default_factory=set)


def build_world(session) -> World:
    school = b.school(session)
    form1 = b.school_class(session, school)
    heads = [b.vote_head(session, school, name, 10 * (i + 1)) for i, name in enumerate(FEES)]
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in terms:
        b.fees(session, term, form1, {head: FEES[head.name] for head in heads})
    pupils = [b.student(session, form1, f"ADM{i}") for i in range(3)]
    session.commit()
    return World(school.id, pupils, terms, heads[0].id, {p.id: 0 for p in pupils})


def apply(session, world: World, op: tuple) -> tuple[int | None, bool, dict[int, int], tuple]:
    """Run one operation; returns (entry id, created, {student id: change in what they owe}, the operation).

    "reverse" and "allocate" pick their target by index; they resolve it to an id ("reverse_id",
    "allocate_id") so that a replay names the very same target."""
    kind, *args = op
    on = dt.date(2026, 2, 1)
    if kind == "invoice":
        pupil, term = world.students[args[0]], world.terms[args[1]]
        entry, created = invoice_student(session, pupil, term, actor="prop")
        return entry.id, created, {pupil.id: sum(FEES.values())}, op
    if kind == "pay":
        pupil = world.students[args[0]] if args[0] >= 0 else None
        received = Received(PaymentSource.MPESA_PAYBILL, f"REF{args[2]}", args[1], on)
        payment, created = record_payment(session, world.school_id, received, pupil, actor="prop")
        return payment.entry_id, created, ({pupil.id: -args[1]} if pupil else {}), op
    if kind == "bursary":
        pupil = world.students[args[0]]
        heads = [world.tuition_id] if args[2] else None
        entry, created = grant_credit(
            session,
            pupil,
            args[1],
            key=f"bursary:{args[3]}",
            memo="bursary",
            on=on,
            actor="prop",
            vote_head_ids=heads,
        )
        return entry.id, created, {pupil.id: -args[1]}, op
    if kind == "allocate":
        payments = session.scalars(
            select(Payment).where(Payment.student_id.is_(None)).order_by(Payment.id)
        ).all()
        if not payments:
            return None, False, {}, op
        return apply(session, world, ("allocate_id", payments[args[0] % len(payments)].id, args[1]))
    if kind == "allocate_id":
        payment, pupil = session.get_one(Payment, args[0]), world.students[args[1]]
        entry, created = allocate_suspense(session, payment, pupil, actor="prop")
        return entry.id, created, {pupil.id: -payment.amount}, op
    if kind == "reverse":
        if not world.entries:
            return None, False, {}, op
        return apply(session, world, ("reverse_id", world.entries[args[0] % len(world.entries)]))
    if kind == "reverse_id":
        target = args[0]
        entry, created = reverse_entry(session, world.school_id, target, reason="prop", on=on, actor="prop")
        return entry.id, created, {sid: -change for sid, change in world.effects[target].items()}, op
    raise AssertionError(kind)


def check_books(session, world: World) -> None:
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []
    for pupil in world.students:
        assert total_owed(session, pupil.id) == world.expected[pupil.id]
        accounts = student_accounts(session, pupil.id)
        receivables = [a for a in accounts if a.kind == AccountKind.RECEIVABLE]
        # Allocation never gives a vote head more than it is owed, nor leaves it owing more than invoiced.
        assert all(0 <= a.balance <= max(FEES.values()) for a in receivables)
        credit = sum(a.balance for a in accounts if a.kind == AccountKind.CREDIT)
        assert not (credit < 0 and any(a.balance > 0 for a in receivables)), "credit idle while fees owed"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_the_books_whole(engine, factory, ops):
    empty_tables(engine)
    with factory() as session:
        world = build_world(session)
        for op in ops:
            if op[0] == "replay":
                if not world.done:
                    continue
                earlier, earlier_entry = world.done[op[1] % len(world.done)]
                if earlier_entry in world.reversed:
                    continue  # posting afresh after a reversal is a new operation, not a replay
                before = {p.id: total_owed(session, p.id) for p in world.students}
                entry_id, created, _, _ = apply(session, world, earlier)
                session.commit()
                assert not created, f"replaying {earlier} posted again"
                assert before == {p.id: total_owed(session, p.id) for p in world.students}
                continue
            try:
                entry_id, created, change, as_done = apply(session, world, op)
                session.commit()
            except LedgerError:
                session.rollback()  # a refused operation (key reused for another request, bursary too big...)
                continue
            if entry_id is None:
                continue
            world.done.append((as_done, entry_id))
            if created and as_done[0] == "reverse_id":
                world.reversed.add(as_done[1])
            if created:
                world.entries.append(entry_id)
                world.effects[entry_id] = change
                for sid, amount in change.items():
                    world.expected[sid] += amount
        check_books(session, world)
