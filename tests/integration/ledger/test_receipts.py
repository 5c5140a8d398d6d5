"""Official receipt numbers: sequential per school and year, no gaps, no repeats, never reused."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import select

from bot.migrate import downgrade_engine, upgrade_engine
from ledger.books.reversals import reverse_entry
from ledger.books.statements import statement
from ledger.books.tables import Payment, PaymentSource
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.payments.receipts import find_payment, is_cancelled, receipt_key
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.records.tables import School, Student
from tests import builders as b
from tests.integration.ledger.test_concurrency import THREADS, threaded_factory

ON = dt.date(2026, 3, 2)


def paid(session, school, reference, pupil=None, on=ON, amount=1_000_00, source=PaymentSource.MPESA_PAYBILL):
    payment, _ = record_payment(session, school.id, Received(source, reference, amount, on), pupil, actor="t")
    return payment


def numbers(session, school_id):
    query = select(Payment.receipt_no).where(Payment.school_id == school_id).order_by(Payment.id)
    return list(session.scalars(query))


def test_every_payment_takes_the_schools_next_number_for_its_year(session):
    school = b.school(session, slug="kilimani")
    other = b.school(session, slug="mwangaza", admission_prefix="MWA")
    pupil = b.student(session, b.school_class(session, school), "KJA-1")
    paid(session, school, "QK1", pupil)
    paid(session, school, "CASH-7", pupil, source=PaymentSource.CASH)
    paid(session, school, "QK2")  # suspense money is receipted too
    paid(session, other, "QK3")
    paid(session, school, "QK4", pupil, on=dt.date(2027, 1, 5))  # a new year starts again at 1
    session.commit()
    assert numbers(session, school.id) == [
        "KIL-2026-000001",
        "KIL-2026-000002",
        "KIL-2026-000003",
        "KIL-2027-000001",
    ]
    assert numbers(session, other.id) == ["MWA-2026-000001"]


def test_a_repeated_payment_takes_no_number_and_a_reversal_reuses_none(session):
    school = b.school(session, slug="kilimani")
    pupil = b.student(session, b.school_class(session, school), "KJA-1")
    first = paid(session, school, "QK1", pupil)
    assert paid(session, school, "qk1", pupil).id == first.id  # the same receipt from M-Pesa again
    reverse_entry(session, school.id, first.entry_id, reason="wrong child", on=ON, actor="t")
    later = paid(session, school, "QK2", pupil)
    session.commit()
    assert (first.receipt_no, later.receipt_no) == ("KIL-2026-000001", "KIL-2026-000002")
    assert is_cancelled(session, first) and not is_cancelled(session, later)


def test_a_payment_is_found_by_its_receipt_number_or_its_own_reference(session):
    school = b.school(session, slug="kilimani")
    other = b.school(session, slug="mwangaza")
    payment = paid(session, school, "QK1AB2CD3E")
    foreign = paid(session, other, "QK9")
    session.commit()
    for typed in ("KIL-2026-000001", "kil-2026-1", " KIL-2026-0001 ", "qk1ab2cd3e"):
        assert find_payment(session, school.id, typed) == payment, typed
    assert find_payment(session, school.id, foreign.receipt_no) is None  # MWA-2026-000001: not Kilimani's
    assert find_payment(session, school.id, "QK9") is None  # another school's payment is not found
    assert find_payment(session, school.id, "") is None
    assert receipt_key("KIL-2026-12") == "KIL-2026-000012" and receipt_key("QK1AB2CD3E") is None


def test_concurrent_payments_take_consecutive_numbers_none_missing_or_repeated(pg):
    factory = threaded_factory(pg)
    with factory() as session:
        school = b.school(session, slug="kilimani")
        form = b.school_class(session, school)
        pupil_ids = [b.student(session, form, f"KJA-{i}").id for i in range(4)]
        school_id = school.id
        session.commit()
    # Each reference twice (a callback and a confirmation racing): a duplicate takes no number.
    references = [f"QKT{i // 2}" for i in range(THREADS)]
    barrier = Barrier(len(references))

    def post(index_reference):
        index, reference = index_reference
        with factory() as session:
            pair = index // 2  # both copies of a reference name the same child (or suspense)
            pupil = session.get(Student, pupil_ids[pair % len(pupil_ids)]) if pair % 5 else None
            received = Received(PaymentSource.MPESA_STK, reference, 500_00, ON)
            barrier.wait()
            payment, _ = record_payment(session, school_id, received, pupil, actor="t")
            session.commit()
            return payment.receipt_no

    with ThreadPoolExecutor(len(references)) as pool:
        taken = list(pool.map(post, enumerate(references)))
    with factory() as session:
        stored = sorted(numbers(session, school_id))
    assert stored == [f"KIL-2026-{n:06d}" for n in range(1, THREADS // 2 + 1)]
    assert sorted(set(taken)) == stored
    assert all(re.fullmatch(r"KIL-2026-\d{6}", number) for number in taken)


def test_payments_recorded_before_numbering_are_numbered_in_order_and_the_count_goes_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_engine(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        school = b.school(session, slug="kilimani")
        other = b.school(session, slug="mwangaza")
        for reference, where, on in (
            ("QK1", school, ON),
            ("QK2", other, ON),
            ("QK3", school, dt.date(2027, 1, 4)),
            ("QK4", school, ON),
        ):
            paid(session, where, reference, on=on)
        session.commit()
    downgrade_engine(engine, "0014")
    upgrade_engine(engine)
    with sessions() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        later = paid(session, school, "QK5")
        session.commit()
        by_reference = {ref: no for ref, no in session.execute(select(Payment.reference, Payment.receipt_no))}
    engine.dispose()
    assert by_reference == {
        "QK1": "KIL-2026-000001",
        "QK2": "MWA-2026-000001",
        "QK3": "KIL-2027-000001",
        "QK4": "KIL-2026-000002",
        "QK5": "KIL-2026-000003",
    }
    assert later.receipt_no == "KIL-2026-000003"


def test_a_statement_line_carries_its_payments_receipt_number_and_so_does_its_reversal(session):
    school = b.school(session, slug="kilimani")
    pupil = b.student(session, b.school_class(session, school), "KJA-1")
    direct = paid(session, school, "QK1", pupil)
    unmatched = paid(session, school, "QK2")  # suspense, then allocated to the pupil
    allocate_suspense(session, unmatched, pupil, actor="t", on=ON)
    reverse_entry(session, school.id, direct.entry_id, reason="wrong child", on=ON, actor="t")
    session.commit()
    lines = statement(session, pupil).lines
    assert [(line.kind, line.receipt) for line in lines] == [
        ("payment", direct.receipt_no),
        ("suspense_allocation", unmatched.receipt_no),
        ("reversal", direct.receipt_no),
    ]
    other = b.student(session, b.school_class(session, school, "Grade 2"), "KJA-2")
    paid(session, school, "QK3", other)  # another child's receipt never shows on this statement
    session.commit()
    assert {line.receipt for line in statement(session, pupil).lines} == {
        direct.receipt_no,
        unmatched.receipt_no,
    }
