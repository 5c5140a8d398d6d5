"""Hypothesis, with every fee rule on: any sequence of invoices, payments, late-fee runs, suspense moves
and reversals keeps the books whole, repeats of any step change nothing, and no rule posts twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_student
from ledger.billing.late_fees import apply_late_fees
from ledger.books.accounts import student_accounts
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.tables import AccountKind, Entry, EntryKind, Payment, PaymentSource
from ledger.errors import LedgerError
from ledger.payments.recording import Received, allocate_suspense, record_payment
from tests import builders as b
from tests.conftest import empty_tables

FEES = {"Tuition": 20_000_33, "Lunch": 6_500_07}
START = dt.date(2026, 1, 1)  # terms 2026-1 (due 19 January) and 2026-2 (due 19 May)

pupils = st.integers(0, 2)
days = st.one_of(st.integers(0, 10), st.integers(0, 160))  # early enough for the discount, or any day
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), pupils, st.integers(0, 1)),
        st.tuples(st.just("pay"), st.integers(-1, 2), st.integers(1, 40_000_00), st.integers(0, 6), days),
        st.tuples(st.just("pay_up"), pupils, st.integers(-200_00, 0), st.integers(7, 9), days),
        st.tuples(st.just("late"), days),
        st.tuples(st.just("allocate"), st.integers(0, 5), pupils),
        st.tuples(st.just("reverse"), st.integers(0, 60)),
    ),
    min_size=4,
    max_size=25,
)


def build(session):
    """Two siblings (sharing a phone) and a child alone; every rule on."""
    school = b.school(session)
    form1 = b.school_class(session, school)
    heads = [b.vote_head(session, school, name, 10 * (i + 1)) for i, name in enumerate(FEES)]
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in terms:
        b.fees(session, term, form1, {head: FEES[head.name] for head in heads})
    children = [b.student(session, form1, f"ADM{i}") for i in range(3)]
    b.guardian(session, school, "+254712345678", children[0], children[1])
    changes = RuleChanges(late_fee_bp=333, grace_days=5, sibling_bp=1250, early_bp=475, early_days=10)
    set_rules(session, school.id, changes)
    session.commit()
    return school, terms, children


def run(session, world, op):
    """Do one step; returns it with its target resolved, so that repeating it names the same target."""
    school, terms, children = world
    kind, *args = op
    if kind == "invoice":
        invoice_student(session, children[args[0]], terms[args[1]], actor="prop")
    elif kind == "pay":
        pupil = children[args[0]] if args[0] >= 0 else None
        on = START + dt.timedelta(days=args[3])
        received = Received(PaymentSource.MPESA_PAYBILL, f"REF{args[2]}", args[1], on)
        record_payment(session, school.id, received, pupil, actor="prop", notify=False)
    elif kind == "pay_up":  # what the family owes now, give or take: the payment that earns a discount
        owed = total_owed(session, children[args[0]].id) + args[1]
        if owed > 0:
            return run(session, world, ("pay", args[0], owed, args[2], args[3]))
    elif kind == "late":
        apply_late_fees(session, school.id, START + dt.timedelta(days=args[0]), actor="prop")
    elif kind == "allocate":
        waiting = session.scalars(
            select(Payment).where(Payment.student_id.is_(None)).order_by(Payment.id)
        ).all()
        if waiting:
            return run(session, world, ("allocate_id", waiting[args[0] % len(waiting)].id, args[1]))
    elif kind == "allocate_id":
        allocate_suspense(
            session, session.get(Payment, args[0]), children[args[1]], actor="prop", notify=False
        )
    elif kind == "reverse":
        ids = session.scalars(
            select(Entry.id).where(Entry.kind != EntryKind.REVERSAL).order_by(Entry.id)
        ).all()
        if ids:
            return run(session, world, ("reverse_id", ids[args[0] % len(ids)]))
    elif kind == "reverse_id":
        reverse_entry(session, school.id, args[0], reason="prop", on=START, actor="prop")
    return op


def check(session, children):
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []
    for pupil in children:
        accounts = student_accounts(session, pupil.id)
        receivables = [a for a in accounts if a.kind == AccountKind.RECEIVABLE]
        assert all(a.balance >= 0 for a in receivables), "a vote head paid beyond what it owes"
        credit = sum(a.balance for a in accounts if a.kind == AccountKind.CREDIT)
        assert not (credit < 0 and any(a.balance > 0 for a in receivables)), "credit idle while fees owed"
    # Each rule lives at most once per student and term (a reversed one stays reversed).
    reversal = aliased(Entry)
    live = session.execute(
        select(Entry.kind, Entry.idempotency_key, Entry.student_id, Entry.term_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(Entry.kind.in_([EntryKind.LATE_FEE, EntryKind.DISCOUNT]), reversal.id.is_(None))
    ).all()
    per_rule = Counter((key.split(":")[0], sid, tid) for _, key, sid, tid in live)
    assert all(count == 1 for count in per_rule.values()), per_rule


def snapshot(session, children):
    return [total_owed(session, p.id) for p in children], session.scalar(
        select(Entry.id).order_by(Entry.id.desc())
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_with_the_rules_on_keeps_the_books_whole(engine, factory, ops):
    empty_tables(engine)
    with factory() as session:
        world = build(session)
        for op in ops:
            try:
                done = run(session, world, op)
                session.commit()
            except LedgerError:
                session.rollback()  # refused (a reference reused for another amount...): nothing changed
                continue
            before = snapshot(session, world[2])
            run(session, world, done)  # the same step again, as a retry or a second schedule run would
            session.commit()
            assert snapshot(session, world[2]) == before, f"repeating {done} changed the books"
        check(session, world[2])
