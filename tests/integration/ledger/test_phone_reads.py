"""A parent's reads as Core rows (``ledger.db.read_rows``): they show what the ORM reads showed, and they see
what the same unit of work has just changed, committed or not."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.billing.invoicing import invoice_student
from ledger.books.balances import balance_of, student_balance
from ledger.books.statements import statement, statement_of
from ledger.books.tables import PaymentSource
from ledger.errors import NotFound
from ledger.payments.recording import Received, record_payment
from ledger.records import parents
from ledger.records.tables import Language
from tests import builders as b

KES = 100
PHONE = "+254712000111"


@pytest.fixture
def family(session):
    school = b.school(session, slug="kilimani")
    form1 = b.school_class(session, school, "Form 1")
    term = b.term(session, school, "2026-1")
    b.fees(session, term, form1, {b.vote_head(session, school, "Tuition", 10): 20_000 * KES})
    pupil = b.student(session, form1, "KJA-001", "Achieng Otieno")
    b.guardian(session, school, PHONE, pupil)
    invoice_student(session, pupil, term, actor="bursar")
    session.commit()
    return school, pupil


def test_a_balance_read_right_after_a_payment_in_the_same_unit_of_work_shows_it(session, family):
    school, pupil = family
    child = parents.child_ref(session, PHONE, pupil.id)
    assert balance_of(session, child).total == 20_000 * KES
    received = Received(PaymentSource.MPESA_PAYBILL, "TKL4AAA001", 5_000 * KES, dt.date(2026, 1, 20))
    record_payment(session, school.id, received, pupil, actor="t")
    # Not committed yet: the phone's reads see it, as ``session.execute`` would.
    assert balance_of(session, child).total == 15_000 * KES
    assert statement_of(session, child, limit=3).closing == 15_000 * KES
    assert balance_of(session, child) == student_balance(session, pupil)
    assert statement_of(session, child) == statement(session, pupil)


def test_a_change_waiting_in_the_session_is_flushed_before_a_core_read(session, family):
    school, _ = family
    parents.set_language(session, PHONE, school.id, Language.SW.value)  # changes the object, no flush
    found = parents.guardian_ref(session, PHONE, school.id)
    assert found is not None and found.language == "sw"


def test_a_child_is_read_only_through_one_of_its_guardians_phones(session, family):
    school, pupil = family
    child = parents.child_ref(session, PHONE, pupil.id)
    assert (child.id, child.admission_no, child.class_name, child.left) == (
        pupil.id,
        "KJA-001",
        "Form 1",
        False,
    )
    with pytest.raises(NotFound):
        parents.child_ref(session, "+254712000999", pupil.id)
    assert parents.children_of(session, PHONE, school.id) == [child]
