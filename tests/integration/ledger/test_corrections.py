"""Corrections as a bursar makes them, on PostgreSQL and SQLite: a payment voided, sent back to suspense or
moved to another child, a charge, bursary, discount or late fee reversed; each balanced, made once per key,
the books whole after; large ones waiting for the head, who is never the one who asked."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.billing.credits import grant_credit
from ledger.billing.invoicing import invoice_student
from ledger.books.accounts import get_account
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.journal import Leg
from ledger.books.posting import post_for_student
from ledger.books.statements import recent_receipts, statement
from ledger.books.tables import AccountKind, Entry, EntryKind, Line, PaymentSource
from ledger.errors import IdempotencyConflict, LedgerError, NotFound
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.corrections import Destination, find_payment, is_reversed
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.records.tables import Language
from ledger.staff.approvals import (
    Actor,
    RequestStatus,
    Reversal,
    approve,
    ask_to_reverse,
    pending_requests,
    reject,
    set_approval_above,
)
from ledger.staff.audit import audit_trail
from tests import builders as b
from tests.conftest import empty_tables

KES = 100
ON = dt.date(2026, 1, 20)
NOW = dt.datetime(2026, 1, 21, 7, 0, tzinfo=dt.UTC)
BURSAR = Actor("bursar@kilimani.ac.ke", None)
HEAD = Actor("head@kilimani.ac.ke", None)


@pytest.fixture
def books(session):
    """Two children of Grade 4 owing 20,000 each for term 2026-1; Achieng's mother reads Kiswahili."""
    school = b.school(session, slug="kilimani")
    grade = b.school_class(session, school, "Grade 4")
    term = b.term(session, school, "2026-1")
    tuition = b.vote_head(session, school, "Tuition", 10)
    b.fees(session, term, grade, {tuition: 20_000 * KES})
    achieng = b.student(session, grade, "KJA-001", "Achieng Otieno")
    baraka = b.student(session, grade, "KJA-002", "Baraka Mwangi")
    mother = b.guardian(session, school, "+254712000001", achieng, name="Mama Achieng")
    mother.language = Language.SW
    b.guardian(session, school, "+254712000002", baraka, name="Mama Baraka")
    for pupil in (achieng, baraka):
        invoice_student(session, pupil, term, actor="t")
    session.commit()
    return {"school": school, "term": term, "tuition": tuition, "achieng": achieng, "baraka": baraka}


def pay(session, school, student, ref="QK12AB34CD", kes=5_000, source=PaymentSource.MPESA_PAYBILL):
    payment, _ = record_payment(
        session, school.id, Received(source, ref, kes * KES, ON, "KJA"), student, actor="t"
    )
    session.commit()
    return payment


def reverse(session, school, *, key="k1", actor=BURSAR, **asked):
    asked.setdefault("reason", "wrong child")
    request, created = ask_to_reverse(session, school, Reversal(**asked), key=key, actor=actor, now=NOW)
    session.commit()
    return request, created


def assert_books_whole(session, school):
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []
    for kind in (AccountKind.MPESA, AccountKind.SUSPENSE, AccountKind.CASH):
        get_account(session, school.id, kind)
    session.commit()


def account_total(session, school, kind):
    account = get_account(session, school.id, kind)
    total = session.scalar(select(func.sum(Line.debit - Line.credit)).where(Line.account_id == account.id))
    return int(total or 0)


def test_a_voided_payment_is_owed_again_and_reads_reversed(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, achieng)
    assert total_owed(session, achieng.id) == 15_000 * KES
    request, created = reverse(session, school, payment=payment, destination=Destination.VOID)
    assert created and request.status == RequestStatus.DONE
    assert total_owed(session, achieng.id) == 20_000 * KES
    assert account_total(session, school, AccountKind.MPESA) == 0  # the money never arrived
    assert [r.reversed for r in recent_receipts(session, achieng)] == [True]
    memos = [line.description for line in statement(session, achieng).lines]
    assert memos[-2:] == ["M-Pesa payment QK12AB34CD", "Reversal of M-Pesa QK12AB34CD: wrong child"]
    assert_books_whole(session, school)


def test_a_payment_sent_back_to_suspense_can_be_allocated_again(session, books):
    school, achieng, baraka = books["school"], books["achieng"], books["baraka"]
    payment = pay(session, school, achieng)
    reverse(session, school, payment=payment)  # suspense is the default
    assert total_owed(session, achieng.id) == 20_000 * KES
    assert payment.student_id is None and payment.allocation_entry_id is None
    assert account_total(session, school, AccountKind.SUSPENSE) == -5_000 * KES
    assert account_total(session, school, AccountKind.MPESA) == 5_000 * KES  # it did arrive
    allocate_suspense(session, payment, baraka, actor="t", now=NOW)
    session.commit()
    assert total_owed(session, baraka.id) == 15_000 * KES
    assert account_total(session, school, AccountKind.SUSPENSE) == 0
    # The M-Pesa confirmation sent again is the same payment, not a new one.
    again, created = record_payment(
        session,
        school.id,
        Received(PaymentSource.MPESA_PAYBILL, "QK12AB34CD", 5_000 * KES, ON, "KJA"),
        achieng,
        actor="t",
    )
    assert again.id == payment.id and not created
    assert_books_whole(session, school)


def test_a_payment_moved_to_another_child_is_theirs_and_both_families_are_told(session, books):
    school, achieng, baraka = books["school"], books["achieng"], books["baraka"]
    payment = pay(session, school, achieng)
    reverse(session, school, payment=payment, destination=Destination.STUDENT, to_student=baraka)
    assert (total_owed(session, achieng.id), total_owed(session, baraka.id)) == (20_000 * KES, 15_000 * KES)
    assert payment.student_id == baraka.id
    assert account_total(session, school, AccountKind.SUSPENSE) == 0
    told = {m.phone: m for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}
    notice = told["+254712000001"]
    assert notice.category == Category.REVERSAL_NOTICE and notice.priority == 0  # at once, not bulk
    assert (
        "M-Pesa QK12AB34CD ya KES 5,000 kwa Achieng Otieno (KJA-001) imebatilishwa: wrong child."
        in notice.body
    )
    assert "Salio sasa KES 20,000." in notice.body
    assert told["+254712000002"].category == Category.RECEIPT
    assert_books_whole(session, school)


def test_an_allocated_suspense_payment_can_be_voided(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, None, ref="QK99ZZ", kes=3_000)
    allocate_suspense(session, payment, achieng, actor="t", now=NOW)
    session.commit()
    reverse(session, school, payment=payment, destination=Destination.VOID, reason="bounced")
    assert total_owed(session, achieng.id) == 20_000 * KES
    for kind in (AccountKind.SUSPENSE, AccountKind.MPESA):
        assert account_total(session, school, kind) == 0
    assert_books_whole(session, school)


def test_a_cash_payment_sent_to_suspense_then_voided_leaves_nothing(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, achieng, ref="CASH-1", source=PaymentSource.CASH)
    reverse(session, school, payment=payment, key="a")
    reverse(session, school, payment=payment, key="b", destination=Destination.VOID, reason="mis-keyed")
    for kind in (AccountKind.SUSPENSE, AccountKind.CASH):
        assert account_total(session, school, kind) == 0
    with pytest.raises(LedgerError, match="voided already"):
        reverse(session, school, payment=payment, key="c", destination=Destination.VOID)
    assert_books_whole(session, school)


def test_a_retry_returns_the_first_request_and_another_under_its_key_is_refused(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, achieng)
    first, _ = reverse(session, school, payment=payment, destination=Destination.VOID)
    entries = session.scalar(select(func.count(Entry.id)))
    again, created = reverse(session, school, payment=payment, destination=Destination.VOID)
    assert (again.id, created) == (first.id, False)
    assert session.scalar(select(func.count(Entry.id))) == entries
    assert (
        len(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.category == Category.REVERSAL_NOTICE)
            ).all()
        )
        == 1
    )
    with pytest.raises(IdempotencyConflict):
        reverse(session, school, payment=payment, destination=Destination.VOID, reason="another reason")


@pytest.mark.parametrize(
    "kind", [EntryKind.CHARGE, EntryKind.LATE_FEE, EntryKind.BURSARY, EntryKind.DISCOUNT]
)
def test_charges_late_fees_bursaries_and_discounts_are_reversed_line_for_line(session, books, kind):
    school, achieng, term, tuition = books["school"], books["achieng"], books["term"], books["tuition"]
    if kind in (EntryKind.BURSARY, EntryKind.DISCOUNT):
        entry, _ = grant_credit(
            session, achieng, 2_000 * KES, key="c1", memo="County bursary", on=ON, actor="t", kind=kind
        )
    else:
        income = get_account(session, school.id, AccountKind.INCOME, vote_head_id=tuition.id)
        owed = get_account(
            session,
            school.id,
            AccountKind.RECEIVABLE,
            student_id=achieng.id,
            term_id=term.id,
            vote_head_id=tuition.id,
        )
        entry, _ = post_for_student(
            session,
            achieng,
            kind=kind,
            key="c1",
            body={},
            memo="Bus trip",
            legs=lambda: [Leg(owed, debit=2_000 * KES), Leg(income, credit=2_000 * KES)],
            effective_on=ON,
            actor="t",
            term_id=term.id,
        )
    session.commit()
    before = total_owed(session, achieng.id)
    request, _ = reverse(session, school, entry=entry, reason="entered twice")
    assert request.status == RequestStatus.DONE and request.amount == 2_000 * KES
    reversal = session.get(Entry, request.result_entry_id)
    assert reversal.reverses_id == entry.id and reversal.memo.endswith(": entered twice")
    assert total_owed(session, achieng.id) == before + (
        2_000 * KES if kind in (EntryKind.BURSARY, EntryKind.DISCOUNT) else -2_000 * KES
    )
    with pytest.raises(LedgerError, match="reversed already"):
        reverse(session, school, entry=entry, key="k2", reason="again")
    assert_books_whole(session, school)


def test_an_invoice_or_a_payment_posting_is_not_reversed_as_a_plain_entry(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, achieng)
    invoice = session.scalars(select(Entry).where(Entry.kind == EntryKind.INVOICE)).first()
    for entry, says in (
        (invoice, "cannot be reversed"),
        (session.get(Entry, payment.entry_id), "as a payment"),
    ):
        with pytest.raises(LedgerError, match=says):
            reverse(session, school, entry=entry)
        session.rollback()


def test_bad_requests_are_refused_in_words(session, books):
    school, achieng = books["school"], books["achieng"]
    payment = pay(session, school, achieng)
    for asked, says in (
        ({"reason": "  "}, "give a reason"),
        ({"destination": Destination.STUDENT}, "name the student"),
        ({"destination": Destination.STUDENT, "to_student": achieng}, "already KJA-001's"),
    ):
        with pytest.raises(LedgerError, match=says):
            reverse(session, school, payment=payment, **asked)
        session.rollback()
    with pytest.raises(NotFound, match="QK00"):
        find_payment(session, school.id, "qk00")
    assert find_payment(session, school.id, " qk12ab34cd ").id == payment.id  # any case and spacing


def test_above_the_schools_amount_a_reversal_waits_for_the_head(session, books):
    school, achieng = books["school"], books["achieng"]
    set_approval_above(session, school, 1_000 * KES, actor=HEAD, now=NOW)
    payment = pay(session, school, achieng)
    entries = session.scalar(select(func.count(Entry.id)))
    request, _ = reverse(session, school, payment=payment, destination=Destination.VOID)
    assert request.status == RequestStatus.PENDING
    assert session.scalar(select(func.count(Entry.id))) == entries  # nothing reversed yet
    assert [r.id for r in pending_requests(session, school.id, student_id=achieng.id)] == [request.id]
    with pytest.raises(LedgerError, match="already waits"):
        reverse(session, school, payment=payment, key="k2")
    session.rollback()
    with pytest.raises(LedgerError, match="another person must approve"):
        approve(session, request, approver=BURSAR, now=NOW)
    approve(session, request, approver=HEAD, now=NOW)
    session.commit()
    assert request.status == RequestStatus.DONE and request.decided_by == HEAD.name
    assert total_owed(session, achieng.id) == 20_000 * KES
    trail = [(row.action, row.actor) for row in reversed(audit_trail(session, school.id))]
    assert trail[-2:] == [("reversal.request", BURSAR.name), ("reversal.approve", HEAD.name)]
    approve(session, request, approver=HEAD, now=NOW)  # a second click changes nothing
    assert_books_whole(session, school)


def test_a_rejected_request_reverses_nothing(session, books):
    school, achieng = books["school"], books["achieng"]
    set_approval_above(session, school, 0, actor=HEAD, now=NOW)  # every reversal waits
    payment = pay(session, school, achieng)
    request, _ = reverse(session, school, payment=payment)
    reject(session, request, approver=HEAD, now=NOW)
    session.commit()
    assert request.status == RequestStatus.REJECTED and total_owed(session, achieng.id) == 15_000 * KES
    with pytest.raises(LedgerError, match="rejected already"):
        approve(session, request, approver=HEAD, now=NOW)


corrections = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(-1, 2), st.integers(1, 30_000)),
        st.tuples(st.just("allocate"), st.integers(0, 9), st.integers(0, 2)),
        st.tuples(
            st.just("correct"), st.integers(0, 9), st.sampled_from(list(Destination)), st.integers(0, 2)
        ),
        st.tuples(st.just("replay"), st.integers(0, 9)),
    ),
    max_size=10,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=corrections)
def test_any_sequence_of_payments_and_corrections_keeps_the_books_whole(engine, factory, ops):
    """Payments to children or suspense, allocations and corrections to any destination, in any order:
    every child owes what our own arithmetic says, suspense holds exactly the unmatched payments, M-Pesa
    clearing exactly the payments not voided, and a correction asked again changes nothing."""
    empty_tables(engine)
    with factory() as session:
        school = b.school(session, reversal_approval_cents=10**12)  # maker-checker is tested above
        grade = b.school_class(session, school)
        term = b.term(session, school, "2026-1")
        b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 20_000 * KES})
        pupils = [b.student(session, grade, f"ADM{i}") for i in range(3)]
        for pupil in pupils:
            invoice_student(session, pupil, term, actor="prop")
        session.commit()
        owed = {p.id: 20_000 * KES for p in pupils}
        payments, asked = [], []
        for n, (kind, *args) in enumerate(ops):
            if kind == "pay":
                pupil = pupils[args[0]] if args[0] >= 0 else None
                received = Received(PaymentSource.MPESA_PAYBILL, f"REF{n}", args[1] * KES, ON)
                payments.append(record_payment(session, school.id, received, pupil, actor="prop")[0])
                if pupil:
                    owed[pupil.id] -= args[1] * KES
            elif payments and kind == "allocate":
                payment, pupil = payments[args[0] % len(payments)], pupils[args[1]]
                try:
                    _, created = allocate_suspense(session, payment, pupil, actor="prop", now=NOW)
                except LedgerError:
                    session.rollback()
                    continue
                owed[pupil.id] -= payment.amount if created else 0  # else a retry of the live allocation
            elif payments and kind == "correct":
                payment, (destination, to) = payments[args[0] % len(payments)], (args[1], pupils[args[2]])
                had = payment.student_id
                wanted = Reversal("prop", payment=payment, destination=destination, to_student=to)
                try:
                    ask_to_reverse(session, school, wanted, key=f"k{n}", actor=BURSAR, now=NOW)
                except LedgerError:
                    session.rollback()
                    continue
                asked.append((wanted, f"k{n}"))
                if had is not None:
                    owed[had] += payment.amount
                if destination == Destination.STUDENT:
                    owed[to.id] -= payment.amount
            elif asked and kind == "replay":
                wanted, key = asked[args[0] % len(asked)]
                assert not ask_to_reverse(session, school, wanted, key=key, actor=BURSAR, now=NOW)[1]
            session.commit()
        assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []
        assert {p.id: total_owed(session, p.id) for p in pupils} == owed
        voided = {p.id for p in payments if is_reversed(session, p.entry_id)}
        in_suspense = sum(p.amount for p in payments if p.student_id is None and p.id not in voided)
        assert account_total(session, school, AccountKind.SUSPENSE) == -in_suspense
        assert account_total(session, school, AccountKind.MPESA) == sum(
            p.amount for p in payments if p.id not in voided
        )
