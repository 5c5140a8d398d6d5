"""Paybill money in the ledger: loose account numbers, the school's suspense setting, one posting per
receipt, and a suspense notice only to a phone that can be known for sure."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.admission import candidate_keys
from ledger.books.tables import Payment
from ledger.imports import import_csv
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.paybill import PaybillPaid, Verdict, match_account, settle_paybill, validate
from ledger.payments.stk import StkResult
from ledger.payments.stk_requests import record_request
from ledger.records.tables import School, Student
from tests import builders as b
from tests.integration.mpesa.family import NOW, PARENT, TODAY


def confirmation(
    bill_ref, trans_id="TKP0000001", amount=2_500_00, msisdn="2547 ***** 001", shortcode="600100"
):
    return PaybillPaid(trans_id, amount, shortcode, bill_ref, msisdn, "ACHIENG", TODAY)


@pytest.mark.parametrize("typed", ["KJA-001", "kja001", " kja 001 ", "Kja-0-01", "KJA/001"])
def test_case_spaces_and_dashes_do_not_matter(session, family, typed):
    school, pupil = family
    settled = settle_paybill(session, confirmation(typed), now=NOW)
    assert settled.outcome == StkResult.POSTED and settled.payment.student_id == pupil.id
    assert settled.payment.account_text == typed


def test_a_school_prefix_may_be_typed_or_left_out(session, family):
    school, pupil = family
    school.admission_prefix = "KJA"
    other = b.student(session, pupil.school_class, "2101", "Baraka Mwangi")
    assert candidate_keys("kja-2101", "KJA") == ["KJA2101", "2101"]
    assert settle_paybill(session, confirmation("kja 2101", "TKP1"), now=NOW).payment.student_id == other.id
    assert settle_paybill(session, confirmation("001", "TKP2"), now=NOW).payment.student_id == pupil.id


def test_validation_follows_the_schools_setting_for_unknown_accounts(session, family):
    school, pupil = family
    assert validate(session, "600100", "kja 001", 100_00) == Verdict.ACCEPT
    assert validate(session, "600100", "NOPE-9", 100_00) == Verdict.SUSPENSE
    school.accept_unknown_accounts = False
    assert validate(session, "600100", "NOPE-9", 100_00) == Verdict.UNKNOWN_ACCOUNT
    assert validate(session, "999999", "KJA-001", 100_00) == Verdict.UNKNOWN_SHORTCODE


def test_a_repeated_confirmation_posts_once(session, family):
    for _ in range(5):
        settle_paybill(session, confirmation("KJA-001"), now=NOW)
    session.commit()
    assert len(session.scalars(select(Payment)).all()) == 1
    assert len(session.scalars(select(OutboxMessage)).all()) == 1  # one receipt


def test_unknown_shortcode_posts_nothing(session, family):
    assert settle_paybill(session, confirmation("KJA-001", shortcode="123456"), now=NOW) is None


def test_masked_payer_of_unknown_account_lands_in_suspense_without_a_text(session, family):
    settled = settle_paybill(session, confirmation("NOPE-9"), now=NOW)
    assert settled.payment.student_id is None and settled.texted is None
    assert settled.payment.payer == "2547 ***** 001 ACHIENG"
    assert session.scalars(select(OutboxMessage)).all() == []


def test_a_hashed_payer_who_is_a_guardian_is_told_the_money_awaits_allocation(session, family):
    digest = hashlib.sha256(PARENT.lstrip("+").encode()).hexdigest()
    settled = settle_paybill(session, confirmation("NOPE-9", msisdn=digest), now=NOW)
    session.commit()  # the notice is written with the commit, by the message bus
    assert settled.texted == PARENT
    (notice,) = session.scalars(select(OutboxMessage)).all()
    assert notice.category == Category.SUSPENSE_NOTICE and "The bursar will allocate it" in notice.body
    assert "matches no student" in notice.body and "'NOPE-9'" in notice.body


def test_a_masked_payer_is_told_only_when_one_recent_request_fits_the_mask(session, family):
    school, pupil = family
    record_request(
        session,
        school_id=school.id,
        student_id=pupil.id,
        phone=PARENT,
        amount=2_500_00,
        channel="sms",
        now=NOW,
    )
    assert settle_paybill(session, confirmation("NOPE-9", "TKP1"), now=NOW).texted == PARENT
    other = confirmation("NOPE-9", "TKP2", msisdn="2547 ***** 999")
    assert settle_paybill(session, other, now=NOW).texted is None


def test_a_plain_number_is_texted_even_when_it_is_nobody_we_know(session, family):
    settled = settle_paybill(session, confirmation("NOPE-9", msisdn="254733000111"), now=NOW)
    assert settled.texted == "+254733000111"


SIMILAR = ["KJA/2024/001", "KJA/2024/010", "KJA/2024/100", "KJA/2024/0010", "KJA-2024-011", "KJA.2023.001"]


@pytest.fixture
def similar(session, family):
    """A school holding several similar admission numbers, imported as a bursar would import them."""
    school, _ = family
    school.admission_prefix = "KJA"
    rows = "".join(f"{adm},Pupil {i},Grade 6,Mama {i},07220001{i:02d}\n" for i, adm in enumerate(SIMILAR))
    import_csv(session, school, "students", HEADER + rows, actor="test", today=TODAY)
    session.commit()
    return {
        s.admission_no: s.id for s in session.scalars(select(Student).where(Student.school_id == school.id))
    }


HEADER = "admission_no,name,class,guardian_name,guardian_phone\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_however_a_parent_types_a_number_it_reaches_that_child_and_no_other(session, similar, data):
    wanted = data.draw(st.sampled_from(SIMILAR))
    pieces = "".join(c if c.isalnum() else " " for c in wanted).split()
    if data.draw(st.booleans()):
        pieces = pieces[1:]  # the school prefix left out
    separator = data.draw(st.sampled_from(["", " ", "/", "-", ".", " - "]))
    typed = "".join(c.lower() if data.draw(st.booleans()) else c for c in separator.join(pieces))
    assert validate(session, "600100", typed, 100_00) == Verdict.ACCEPT
    school = session.get(School, session.get(Student, similar[wanted]).school_id)
    _, found = match_account(session, [school], typed)
    assert found is not None and found.id == similar[wanted], (typed, found and found.admission_no)
