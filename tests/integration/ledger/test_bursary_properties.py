"""Hypothesis: any sequence of invoices, payments, bursary awards (fixed or percentage, on the term or a vote
head, pledged or not), confirmations, withdrawals, sponsors' cheques and reversals keeps the books whole,
each sponsor owes exactly what its account says, awards never pass a term's fees, and repeating any step
changes nothing."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.billing.award_limits import AwardTerms, credited_amount, standing_awards, term_fees
from ledger.billing.bursaries import award_bursary, confirm_award, withdraw_award
from ledger.billing.invoicing import invoice_student
from ledger.billing.sponsor_cheques import record_cheque
from ledger.billing.sponsor_tables import BursaryAward
from ledger.billing.sponsors import sponsor_named, sponsor_totals
from ledger.books.accounts import student_accounts
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.tables import AccountKind, Entry, EntryKind, Line, PaymentSource
from ledger.errors import LedgerError
from ledger.payments.recording import Received, record_payment
from tests import builders as b
from tests.conftest import empty_tables

FEES = {"Tuition": 20_000_33, "Lunch": 6_500_07}
DAY = dt.date(2026, 1, 20)
SPONSORS = ("NG-CDF Kibra", "Nairobi County", "School waiver")

pupils = st.integers(0, 2)
terms = st.integers(0, 1)
amounts = st.one_of(st.integers(1, 30_000_00), st.just(None))  # None: a percentage
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), pupils, terms),
        st.tuples(st.just("pay"), pupils, st.integers(1, 30_000_00), st.integers(0, 5)),
        st.tuples(
            st.just("award"),
            pupils,
            terms,
            st.integers(0, 2),
            amounts,
            st.integers(1, 10_000),
            st.integers(-1, 1),
            st.booleans(),
            st.integers(0, 3),
        ),  # fmt: skip
        st.tuples(st.just("confirm"), st.integers(0, 20)),
        st.tuples(st.just("withdraw"), st.integers(0, 20)),
        st.tuples(
            st.just("cheque"),
            st.integers(0, 1),
            terms,
            st.lists(st.integers(1, 15_000_00), min_size=1, max_size=3),
            st.integers(0, 3),
        ),  # fmt: skip
        st.tuples(st.just("reverse"), st.integers(0, 60)),
    ),
    min_size=4,
    max_size=20,
)


def build(session):
    school = b.school(session)
    form1 = b.school_class(session, school)
    heads = [b.vote_head(session, school, name, 10 * (i + 1)) for i, name in enumerate(FEES)]
    periods = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in periods:
        b.fees(session, term, form1, {head: FEES[head.name] for head in heads})
    children = [b.student(session, form1, f"ADM{i}") for i in range(3)]
    sponsors = [sponsor_named(session, school.id, name)[0] for name in SPONSORS]
    session.commit()
    return school, periods, children, heads, sponsors


def run(session, world, op):
    school, periods, children, heads, sponsors = world
    kind, *args = op
    if kind == "invoice":
        invoice_student(session, children[args[0]], periods[args[1]], actor="prop")
    elif kind == "pay":
        received = Received(PaymentSource.CASH, f"CASH-{args[2]}", args[1], DAY)
        record_payment(session, school.id, received, children[args[0]], actor="prop", notify=False)
    elif kind == "award":
        pupil, term, sponsor, amount, bp, head, conditional, key = args
        terms = AwardTerms(
            amount=amount, percent_bp=None if amount else bp, vote_head=heads[head] if head >= 0 else None,
            conditional=conditional,
        )  # fmt: skip
        award_bursary(session, children[pupil], periods[term], sponsors[sponsor], terms, key=f"k{key}",
                      actor="prop", on=DAY)  # fmt: skip
    elif kind in ("confirm", "withdraw"):
        ids = session.scalars(select(BursaryAward.id).order_by(BursaryAward.id)).all()
        if ids:
            return run(session, world, (f"{kind}_id", ids[args[0] % len(ids)]))
    elif kind == "confirm_id":
        confirm_award(session, session.get_one(BursaryAward, args[0]), on=DAY, actor="prop")
    elif kind == "withdraw_id":
        withdraw_award(session, session.get_one(BursaryAward, args[0]), on=DAY)
    elif kind == "cheque":
        sponsor, term, split, ref = args
        lines = list(zip(children, split, strict=False))
        record_cheque(
            session, sponsors[sponsor], periods[term], f"C{ref}", lines, received_on=DAY, actor="prop"
        )
    elif kind == "reverse":
        ids = session.scalars(
            select(Entry.id).where(Entry.kind != EntryKind.REVERSAL).order_by(Entry.id)
        ).all()
        if ids:
            return run(session, world, ("reverse_id", ids[args[0] % len(ids)]))
    elif kind == "reverse_id":
        reverse_entry(session, school.id, args[0], reason="prop", on=DAY, actor="prop")
    return op


def check(session, world):
    school, periods, children, _, sponsors = world
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []
    for pupil in children:
        accounts = student_accounts(session, pupil.id)
        receivables = [a for a in accounts if a.kind == AccountKind.RECEIVABLE]
        assert all(a.balance >= 0 for a in receivables), "a vote head paid beyond what it owes"
        credit = sum(a.balance for a in accounts if a.kind == AccountKind.CREDIT)
        assert not (credit < 0 and any(a.balance > 0 for a in receivables)), "credit idle while fees owed"
        for term in periods:
            credited = sum(credited_amount(session, a) for a in standing_awards(session, pupil, term))
            assert credited <= sum(term_fees(session, pupil, term).values()), "awards beyond the term's fees"
    for totals in sponsor_totals(session, school.id):
        if totals.sponsor.account_id is not None:
            owed = session.scalar(
                select(func.coalesce(func.sum(Line.debit - Line.credit), 0)).where(
                    Line.account_id == totals.sponsor.account_id
                )
            )
            assert totals.outstanding == owed, totals.sponsor.name


def snapshot(session, children):
    owed = [total_owed(session, p.id) for p in children]
    return owed, session.scalar(select(func.count()).select_from(Entry))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_with_bursaries_keeps_the_books_whole(engine, factory, ops):
    empty_tables(engine)
    with factory() as session:
        world = build(session)
        for op in ops:
            try:
                done = run(session, world, op)
                session.commit()
            except LedgerError:
                session.rollback()  # refused (beyond the fees, a key reused...): nothing changed
                continue
            before = snapshot(session, world[2])
            try:
                run(session, world, done)  # the same step again, as a retry would
                session.commit()
            except LedgerError:
                session.rollback()  # e.g. withdrawing an award that is credited: refused, nothing changed
            assert snapshot(session, world[2]) == before, f"repeating {done} changed the books"
        check(session, world)
