"""What one payment costs the database: the posting in ``record_payment`` sends at most 8 statements (issue
18, item 5), counted as the benchmark counts them (savepoints included), on PostgreSQL and SQLite. Then the
message bus writes its receipt, the family's thanks and its webhook deliveries in the same transaction, as
soon as it is posted (``ledger.events.handle_now``): 7 more for a child with one guardian."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from ledger.billing.invoicing import invoice_student
from ledger.books.balances import total_owed
from ledger.books.tables import Payment, PaymentSource
from ledger.events import HANDLER
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from tests import builders as b

ON = dt.date(2026, 2, 2)
MOST = 8
WITH_MESSAGES = 15


@contextmanager
def posting_only(session) -> Iterator[None]:
    """The bus's handler detached: the payment's events wait for the commit, so only the posting counts."""
    handler = session.info.pop(HANDLER)
    try:
        yield
    finally:
        session.info[HANDLER] = handler


@contextmanager
def statements(session) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def invoiced_pupils(session, count: int):
    school = b.school(session, slug="kilimani")
    term, form = b.term(session, school), b.school_class(session, school)
    b.fees(session, term, form, {b.vote_head(session, school, "Tuition", 1): 20_000_00})
    pupils = [b.student(session, form, f"KJA-{n}") for n in range(count)]
    for n, pupil in enumerate(pupils):
        b.guardian(session, school, f"+25471100000{n}", pupil)
        invoice_student(session, pupil, term, actor="bursar")
    session.commit()
    return school, pupils


def paying(session, school, pupil, reference: str) -> Callable[[], tuple[Payment, bool]]:
    received = Received(PaymentSource.MPESA_PAYBILL, reference, 5_000_00, ON)
    return lambda: record_payment(session, school.id, received, pupil, actor="t")


def test_a_payment_in_its_own_transaction_takes_at_most_eight_statements(session):
    school, (first, pupil) = invoiced_pupils(session, 2)
    paying(session, school, first, "QPAY00001")()  # the school's first payment opens its M-Pesa account
    session.commit()
    session.expunge_all()  # nothing read before: the school's row and fee rules are read again
    pupil = session.get_one(Student, pupil.id)  # as a callback loads the payer, which begins the transaction
    with posting_only(session), statements(session) as seen:
        payment, created = paying(session, school, pupil, "QPAY00002")()
    assert created and payment.receipt_no.endswith("-000002")
    assert len(seen) <= MOST, "\n".join(seen)
    session.commit()
    assert total_owed(session, pupil.id) == 15_000_00
    assert receipts(session, payment) == 1  # written at the commit


def test_a_payment_with_its_receipt_written_at_once_takes_at_most_fifteen(session):
    school, (first, pupil) = invoiced_pupils(session, 2)
    paying(session, school, first, "QPAY00004")()
    session.commit()
    session.expunge_all()
    pupil = session.get_one(Student, pupil.id)
    with statements(session) as seen:
        payment, created = paying(session, school, pupil, "QPAY00005")()
        assert created and receipts(session, payment) == 1  # before the commit
    assert len(seen) <= WITH_MESSAGES + 1, "\n".join(seen)  # + the receipts' count just above


def receipts(session, payment: Payment) -> int:
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.dedupe_key.like(f"receipt:p{payment.id}:%"))
    )
    return int(session.scalar(query) or 0)


def test_a_repeated_payment_takes_fewer_statements_and_posts_nothing(session):
    school, (pupil,) = invoiced_pupils(session, 1)
    first, _ = paying(session, school, pupil, "QPAY00003")()
    session.commit()
    with statements(session) as seen:
        again, created = paying(session, school, pupil, "QPAY00003")()
    assert not created and again.id == first.id and total_owed(session, pupil.id) == 15_000_00
    assert len(seen) <= 4, "\n".join(seen)
