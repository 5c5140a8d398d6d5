"""Many writers at once on real PostgreSQL: every payment lands exactly once and the balance is exact."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from ledger.billing.invoicing import invoice_student
from ledger.books.balances import student_balance, total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Entry, Payment, PaymentSource
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests import builders as b

THREADS = 20


def seeded(factory):
    with factory() as session:
        school = b.school(session)
        form1 = b.school_class(session, school)
        term = b.term(session, school)
        tuition = b.vote_head(session, school, "Tuition", 10)
        lunch = b.vote_head(session, school, "Lunch", 20)
        b.fees(session, term, form1, {tuition: 30_000_00, lunch: 6_000_00})
        pupil = b.student(session, form1, "ADM-1")
        invoice_student(session, pupil, term, actor="t")
        session.commit()
        return school.id, pupil.id


def post_from_threads(factory, school_id, student_id, references, amount):
    barrier = Barrier(len(references))

    def post(reference):
        with factory() as session:
            pupil = session.get(Student, student_id)
            received = Received(PaymentSource.MPESA_STK, reference, amount, dt.date(2026, 1, 9))
            barrier.wait()  # all threads start posting at the same moment
            _, created = record_payment(session, school_id, received, pupil, actor="thread")
            session.commit()
            return created

    with ThreadPoolExecutor(len(references)) as pool:
        return list(pool.map(post, references))


def threaded_factory(pg):
    # One connection per thread: the threads wait for each other, so a smaller pool would deadlock.
    return session_factory(make_engine(pg.url.render_as_string(hide_password=False), pool_size=THREADS + 2))


def test_twenty_threads_paying_one_student_all_land_and_the_balance_is_exact(pg):
    factory = threaded_factory(pg)
    school_id, student_id = seeded(factory)
    created = post_from_threads(
        factory, school_id, student_id, [f"TKL{i:07d}" for i in range(THREADS)], 1_999_00
    )
    with factory() as session:
        assert created == [True] * THREADS
        assert total_owed(session, student_id) == 36_000_00 - THREADS * 1_999_00
        # Each payment saw the ones before it: fees fully paid, the excess kept as credit, none overpaid.
        balance = student_balance(session, session.get(Student, student_id))
        assert (balance.by_vote_head, balance.credit) == ((), THREADS * 1_999_00 - 36_000_00)
        assert session.scalar(select(func.count(Payment.id))) == THREADS
        assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_one_receipt_from_ten_threads_lands_once(pg):
    factory = threaded_factory(pg)
    school_id, student_id = seeded(factory)
    created = post_from_threads(factory, school_id, student_id, ["TKL9ONCE01"] * 10, 5_000_00)
    with factory() as session:
        assert sorted(created) == [False] * 9 + [True]
        assert total_owed(session, student_id) == 31_000_00
        assert session.scalar(select(func.count(Entry.id)).where(Entry.kind == "payment")) == 1
