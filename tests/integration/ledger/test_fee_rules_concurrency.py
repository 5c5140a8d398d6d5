"""Fee rules under concurrent writers on real PostgreSQL: two schedules at once charge each late fee once,
and payments racing to complete a term earn its early discount once."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.billing.late_fees import apply_late_fees
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Entry, EntryKind, PaymentSource
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests import builders as b
from tests.integration.ledger.test_concurrency import threaded_factory

THREADS = 8
FEES = 30_000_00


def seeded(factory, pupils, changes):
    with factory() as session:
        school = b.school(session)
        form1 = b.school_class(session, school)
        term = b.term(session, school)  # 2026-1, due 19 January
        b.fees(session, term, form1, {b.vote_head(session, school, "Tuition", 10): FEES})
        ids = [b.student(session, form1, f"ADM-{n}").id for n in range(pupils)]
        invoice_class(session, form1, term, actor="t")
        set_rules(session, school.id, changes)
        session.commit()
        return school.id, ids


def at_once(count, work):
    barrier = Barrier(count)

    def run(n):
        barrier.wait()  # every thread starts at the same moment
        return work(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def count_entries(factory, kind):
    with factory() as session:
        return session.scalar(select(func.count(Entry.id)).where(Entry.kind == kind))


def test_eight_schedules_at_once_charge_each_student_one_late_fee(pg):
    factory = threaded_factory(pg)
    school_id, ids = seeded(factory, 5, RuleChanges(late_fee_bp=250, grace_days=3))

    def run_schedule(_):
        with factory() as session:
            run = apply_late_fees(session, school_id, dt.date(2026, 1, 23), actor="cron")
            session.commit()
            return run.charged

    assert sum(at_once(THREADS, run_schedule)) == 5
    assert count_entries(factory, EntryKind.LATE_FEE) == 5
    with factory() as session:
        assert [total_owed(session, sid) for sid in ids] == [FEES + 750_00] * 5  # 2.5% of 30,000
        assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_payments_racing_to_complete_a_term_earn_one_early_discount(pg):
    factory = threaded_factory(pg)
    school_id, (student_id,) = seeded(factory, 1, RuleChanges(early_bp=1000, early_days=7))

    def pay(n):
        with factory() as session:
            pupil = session.get(Student, student_id)
            received = Received(PaymentSource.MPESA_STK, f"TKC{n:07d}", FEES // 2, dt.date(2026, 1, 6))
            record_payment(session, school_id, received, pupil, actor="thread", notify=False)
            session.commit()

    at_once(THREADS, pay)
    assert count_entries(factory, EntryKind.DISCOUNT) == 1
    with factory() as session:
        assert total_owed(session, student_id) == FEES - THREADS * (FEES // 2) - 3_000_00
        assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []
