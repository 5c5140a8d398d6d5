import datetime as dt

from sqlalchemy import func, select

from ledger.billing.invoicing import invoice_class
from ledger.books.tables import Line, PaymentSource
from ledger.payments.recording import Received, record_payment
from tests import builders as b


def test_invoice_then_pay(session):
    school = b.school(session)
    term = b.term(session, school)
    form1 = b.school_class(session, school)
    tuition = b.vote_head(session, school, "Tuition", 1)
    lunch = b.vote_head(session, school, "Lunch", 2)
    b.fees(session, term, form1, {tuition: 1_000_000, lunch: 300_000})
    pupil = b.student(session, form1, "A001")
    run = invoice_class(session, form1, term, actor="test")
    assert (run.invoiced, run.total) == (1, 1_300_000)
    again = invoice_class(session, form1, term, actor="test")
    assert (again.invoiced, again.already) == (0, 1)
    payment, created = record_payment(
        session,
        school.id,
        Received(PaymentSource.CASH, "r1", 500_000, dt.date(2026, 1, 10)),
        pupil,
        actor="t",
    )
    session.commit()
    assert created and payment.amount == 500_000
    assert session.scalar(select(func.sum(Line.debit) - func.sum(Line.credit))) == 0
