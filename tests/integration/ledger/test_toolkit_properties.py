"""Hypothesis over the whole bursar's toolkit at once (issue 13): any sequence of invoices, payments,
payment reversals (to suspense, to another child, void), bursaries (fixed or a percentage), optional items
joined and left mid-term, one-off charges, leavers and re-admissions, refunds and credit moved to a sibling,
for several students, keeps the books whole (``ledger.books.checks``), every family's balance equal to the
sum of what moved it, no credit idle while fees are owed, and replaying any operation with its key posts
nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.charges import Charge, charge_student
from ledger.billing.enrolments import mark_optional
from ledger.billing.invoicing import invoice_student
from ledger.billing.leaving import leave_school
from ledger.billing.optional_changes import change_enrolment
from ledger.billing.refunds import Refund, RefundMethod, move_credit, refund_credit
from ledger.billing.sponsors import sponsor_named
from ledger.books.accounts import student_accounts
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import AccountKind, Entry, Line, Payment, PaymentSource
from ledger.errors import LedgerError
from ledger.payments.corrections import Destination, reverse_payment
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.records.leavers import LeaveReason, readmit
from tests import builders as b
from tests.conftest import empty_tables

MID_TERM = dt.date(2026, 2, 16)
NOW = dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC)
FEES = {"Tuition": 20_000_00, "Transport": 6_000_00}

pupils = st.integers(0, 3)  # 0, 1 and 2 share a guardian; 3 is of another family
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), pupils),
        st.tuples(st.just("pay"), st.integers(-1, 3), st.integers(1, 40_000_00), st.integers(0, 9)),
        st.tuples(st.just("allocate"), st.integers(0, 9), pupils),
        st.tuples(st.just("reverse"), st.integers(0, 9), st.sampled_from(list(Destination)), pupils),
        st.tuples(st.just("bursary"), pupils, st.integers(1, 15_000_00), st.booleans(), st.integers(0, 3)),
        st.tuples(st.just("optional"), pupils, st.booleans(), st.integers(0, 40)),
        st.tuples(st.just("charge"), pupils, st.integers(1, 5_000_00), st.integers(0, 3)),
        st.tuples(st.just("leave"), pupils),
        st.tuples(st.just("readmit"), pupils),
        st.tuples(st.just("refund"), pupils, st.integers(1, 20_000_00), st.integers(0, 3)),
        st.tuples(st.just("move"), pupils, pupils, st.integers(1, 20_000_00), st.integers(0, 3)),
        st.tuples(st.just("replay"), st.integers(0, 40)),
    ),
    min_size=4,
    max_size=24,
)


@dataclass
class World:
    school_id: int
    students: list[Any]
    term: Any
    heads: dict[str, Any]
    done: list[tuple[Any, ...]] = field(default_factory=list)  # operations that posted, to replay


def build_world(session: Any) -> World:
    school = b.school(session)
    grade = b.school_class(session, school)
    heads = {name: b.vote_head(session, school, name, 10 * (n + 1)) for n, name in enumerate(FEES)}
    term = b.term(session, school, "2026-1")
    b.fees(session, term, grade, {heads[name]: amount for name, amount in FEES.items()})
    mark_optional(session, term.id, heads["Transport"].id)
    students = [b.student(session, grade, f"ADM{n}") for n in range(4)]
    b.guardian(session, school, "+254712000001", *students[:3])
    b.guardian(session, school, "+254722000002", students[3])
    session.commit()
    world = World(school.id, students, term, heads)
    # A term under way: everyone invoiced, one family paid ahead, one part-paid, money waiting in suspense.
    start = [("invoice", n) for n in range(4)]
    start += [("pay", 0, 30_000_00, 90), ("pay", 1, 8_000_00, 91), ("pay", -1, 5_000_00, 92)]
    for op in start:
        assert apply(session, world, op)
        session.commit()
        world.done.append(op)
    return world


def apply(session: Any, world: World, op: tuple[Any, ...]) -> bool:
    """Run one operation; whether it posted anything new. Refusals (LedgerError) are the ledger's to make."""
    kind, *args = op
    pupil = world.students[args[0]] if args and isinstance(args[0], int) and 0 <= args[0] < 4 else None
    before = session.scalar(select(func.count()).select_from(Entry))
    if kind == "invoice":
        invoice_student(session, pupil, world.term, actor="prop")
    elif kind == "pay":
        received = Received(PaymentSource.MPESA_PAYBILL, f"REF{args[2]}", args[1], MID_TERM)
        record_payment(session, world.school_id, received, pupil, actor="prop", now=NOW)
    elif kind == "allocate":
        payment = _nth_payment(session, args[0], in_suspense=True)
        if payment is not None:
            allocate_suspense(session, payment, world.students[args[1]], actor="prop", now=NOW)
    elif kind == "reverse":
        payment = _nth_payment(session, args[0], in_suspense=False)
        if payment is not None:
            other = world.students[args[2]] if args[1] == Destination.STUDENT else None
            reverse_payment(
                session, payment, args[1], reason="prop", actor="prop", now=NOW, on=MID_TERM, to_student=other
            )
    elif kind == "bursary":
        sponsor, _ = sponsor_named(session, world.school_id, "NG-CDF" if args[2] else "St. Mark's Church")
        terms = (
            AwardTerms(amount=args[1])
            if args[2]
            else AwardTerms(percent_bp=min(args[1] // 1000, 10_000) or 1)
        )
        award_bursary(
            session, pupil, world.term, sponsor, terms, key=f"award:{args[3]}", actor="prop", on=MID_TERM
        )
    elif kind == "optional":
        on = MID_TERM + dt.timedelta(days=args[2])
        key = f"optional:{args[0]}:{args[1]}:{args[2]}"
        change_enrolment(
            session, pupil, world.term, world.heads["Transport"], join=args[1], on=on, key=key, actor="prop"
        )
    elif kind == "charge":
        charge = Charge(world.term, world.heads["Tuition"], args[1], "Damage", MID_TERM)
        charge_student(session, pupil, charge, key=f"charge:{args[2]}", actor="prop")
    elif kind == "leave":
        leave_school(session, pupil, MID_TERM, LeaveReason.TRANSFERRED, today=MID_TERM, actor="prop")
    elif kind == "readmit":
        readmit(pupil)
    elif kind == "refund":
        refund_credit(
            session, pupil, Refund(RefundMethod.CASH, f"V{args[2]}", args[1], MID_TERM), actor="prop"
        )
    elif kind == "move":
        move_credit(
            session, pupil, world.students[args[1]], args[2], key=f"move:{args[3]}", on=MID_TERM, actor="prop"
        )
    else:
        raise AssertionError(kind)
    return session.scalar(select(func.count()).select_from(Entry)) != before


def _nth_payment(session: Any, n: int, *, in_suspense: bool) -> Payment | None:
    query = select(Payment).order_by(Payment.id)
    query = query.where(Payment.student_id.is_(None) if in_suspense else Payment.student_id.is_not(None))
    payments = session.scalars(query).all()
    return payments[n % len(payments)] if payments else None


def check_books(session: Any, world: World) -> None:
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []
    for pupil in world.students:
        # The family's balance is the sum of every line on its accounts (the cached balances agree above).
        lines = session.scalar(
            select(func.coalesce(func.sum(Line.debit - Line.credit), 0))
            .join(Line.account)
            .where(Line.account.has(student_id=pupil.id))
        )
        assert total_owed(session, pupil.id) == int(lines)
        accounts = student_accounts(session, pupil.id)
        receivables = [a for a in accounts if a.kind == AccountKind.RECEIVABLE]
        assert all(a.balance >= 0 for a in receivables), "a vote head paid beyond what it owes"
        credit = sum(a.balance for a in accounts if a.kind == AccountKind.CREDIT)
        assert credit <= 0 and not (credit < 0 and any(a.balance > 0 for a in receivables)), "credit idle"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_the_bursars_operations_keeps_the_books_whole(
    engine: Any, factory: Callable[[], Any], ops: list[tuple[Any, ...]]
) -> None:
    empty_tables(engine)
    with factory() as session:
        world = build_world(session)
        for op in ops:
            if op[0] == "replay":
                if not world.done:
                    continue
                earlier = world.done[op[1] % len(world.done)]
                if earlier[0] in ("leave", "readmit", "reverse", "allocate", "optional"):
                    continue  # not keyed by the caller: their state changed since, so not a replay
                before = {p.id: total_owed(session, p.id) for p in world.students}
                try:
                    posted = apply(session, world, earlier)
                    session.commit()
                except LedgerError:
                    session.rollback()  # e.g. a refund's credit was moved meanwhile: refused, nothing posted
                    posted = False
                assert not posted, f"replaying {earlier} posted again"
                assert before == {p.id: total_owed(session, p.id) for p in world.students}
                continue
            try:
                posted = apply(session, world, op)
                session.commit()
            except LedgerError as refused:
                session.rollback()
                event(f"refused: {op[0]} ({type(refused).__name__})")
                continue
            if posted:
                world.done.append(op)
                event(f"posted: {op[0]}")
            check_books(session, world)


def test_a_payment_reversed_after_its_credit_paid_an_optional_item_makes_that_item_owed_again(
    engine: Any, factory: Callable[[], Any]
) -> None:
    """Found by the test above: the credit a payment left had paid a transport charge when the payment was
    sent back to suspense; the credit account went above zero instead of the transport being owed."""
    empty_tables(engine)
    with factory() as session:
        world = build_world(session)  # ADM0 paid 30,000 against 20,000 of tuition: 10,000 credit
        assert apply(session, world, ("optional", 0, True, 0))  # transport from mid-term, paid by the credit
        assert apply(session, world, ("reverse", 0, Destination.SUSPENSE, 0))
        session.commit()
        check_books(session, world)
        accounts = {a.vote_head_id: a.balance for a in student_accounts(session, world.students[0].id)}
        assert accounts[world.heads["Transport"].id] == 3_230_77  # 49 of 91 days of 6,000, owed again
        assert total_owed(session, world.students[0].id) == 20_000_00 + 3_230_77
