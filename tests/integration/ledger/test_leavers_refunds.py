"""Leavers, refunds of credit and credit moved to a sibling, as a bursar sees them, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.billing.invoicing import invoice_class, invoice_student
from ledger.billing.leaver_invoices import invoiced_after_leaving
from ledger.billing.refunds import NotSiblings, Refund, RefundMethod, credit_of, move_credit, refund_credit
from ledger.books.balances import student_balance, total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.statements import statement
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, Line, PaymentSource
from ledger.errors import IdempotencyConflict, InvalidAmount
from ledger.messaging.reminder_plans import plan_campaign
from ledger.payments.recording import Received, record_payment
from ledger.records.leavers import LeaveReason, LeaveRefused, StudentLeft, mark_left, readmit
from ledger.records.parents import children_of, schools_for_phone
from tests import builders as b
from tests.integration.reminders_school import at

KES = 100
TODAY = dt.date(2026, 6, 1)
PHONE = "+254711000111"


@pytest.fixture
def school(session):
    """Grade 5, tuition KES 10,000 in terms 2026-1 (from 5 Jan) and 2026-2 (from 5 May); two siblings
    sharing a guardian, and a child of another family."""
    school = b.school(session, paybill="600100")
    grade = b.school_class(session, school, "Grade 5")
    tuition = b.vote_head(session, school, "Tuition", 10)
    terms = [b.term(session, school, code) for code in ("2026-1", "2026-2")]
    for term in terms:
        b.fees(session, term, grade, {tuition: 10_000 * KES})
    elder, younger = (
        b.student(session, grade, "LV-1", "Amani Leaves"),
        b.student(session, grade, "LV-2", "Baraka"),
    )
    other = b.student(session, grade, "LV-3", "Chiku Other")
    b.guardian(session, school, PHONE, elder, younger)
    b.guardian(session, school, "+254711000222", other)
    session.commit()
    return {
        "school": school,
        "grade": grade,
        "terms": terms,
        "elder": elder,
        "younger": younger,
        "other": other,
    }


def pay(session, school, student, reference, cents):
    received = Received(PaymentSource.MPESA_PAYBILL, reference, cents, dt.date(2026, 1, 10))
    record_payment(session, school.id, received, student, actor="t", notify=False)
    session.commit()


def books_hold(session) -> None:
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []


def test_a_leaver_is_not_invoiced_again_and_re_admission_resumes_it(session, school):
    grade, (term1, term2), elder = school["grade"], school["terms"], school["elder"]
    invoice_class(session, grade, term1, actor="t")
    assert mark_left(elder, dt.date(2026, 4, 30), LeaveReason.TRANSFERRED, today=TODAY)
    session.commit()
    run = invoice_class(session, grade, term2, actor="t")
    assert run.invoiced == 2  # the two still at school
    with pytest.raises(StudentLeft, match="left on 2026-04-30, before term 2026-2"):
        invoice_student(session, elder, term2, actor="t")
    assert total_owed(session, elder.id) == 10_000 * KES  # term 1 only: the history stands
    assert [line.description for line in statement(session, elder).lines] == ["Fees for term 2026-1"]
    assert readmit(elder)
    session.commit()
    assert invoice_class(session, grade, term2, actor="t").invoiced == 1
    assert total_owed(session, elder.id) == 20_000 * KES
    books_hold(session)


def test_a_leaver_may_still_be_invoiced_for_a_term_they_attended(session, school):
    elder, term1 = school["elder"], school["terms"][0]
    mark_left(elder, dt.date(2026, 2, 20), LeaveReason.WITHDRAWN, today=TODAY)
    entry, created = invoice_student(session, elder, term1, actor="t")
    assert created and entry is not None and total_owed(session, elder.id) == 10_000 * KES


def test_leaving_again_the_same_way_changes_nothing_and_a_day_to_come_is_refused(session, school):
    elder = school["elder"]
    assert mark_left(elder, dt.date(2026, 4, 30), LeaveReason.GRADUATED, today=TODAY)
    assert not mark_left(elder, dt.date(2026, 4, 30), LeaveReason.GRADUATED, today=TODAY)
    assert mark_left(elder, dt.date(2026, 4, 29), LeaveReason.GRADUATED, today=TODAY)  # a correction
    assert (elder.active, elder.left_on, elder.leave_reason) == (False, dt.date(2026, 4, 29), "graduated")
    with pytest.raises(LeaveRefused, match="still to come"):
        mark_left(elder, TODAY + dt.timedelta(days=1), LeaveReason.OTHER, today=TODAY)
    assert readmit(elder) and not readmit(elder)
    assert (elder.active, elder.left_on, elder.leave_reason) == (True, None, None)


def test_the_family_still_finds_a_leaver_marked_as_left(session, school):
    s, elder = school["school"], school["elder"]
    mark_left(elder, dt.date(2026, 4, 30), LeaveReason.TRANSFERRED, today=TODAY)
    session.commit()
    assert [ref.id for ref in schools_for_phone(session, PHONE)] == [s.id]
    listed = {child.admission_no: child.left for child in children_of(session, PHONE, s.id)}
    assert listed == {"LV-1": True, "LV-2": False}


def test_a_leavers_family_is_reminded_only_when_the_school_chases_leavers(session, school):
    s, grade, term1 = school["school"], school["grade"], school["terms"][0]
    invoice_class(session, grade, term1, actor="t")
    pay(session, s, school["younger"], "YOUNGER001", 10_000 * KES)  # the family owes only for the leaver
    mark_left(school["elder"], dt.date(2026, 2, 1), LeaveReason.WITHDRAWN, today=TODAY)
    session.commit()
    when = at(dt.date(2026, 1, 20))
    planned = {p.family.phone for p in plan_campaign(session, s, when).planned}
    assert planned == {"+254711000222"}
    s.chase_leavers = True
    session.commit()
    chased = {p.family.phone: p for p in plan_campaign(session, s, when).planned}
    assert set(chased) == {"+254711000222", PHONE}
    assert [c.child.admission_no for c in chased[PHONE].children] == ["LV-1"]


def in_credit(session, school, student, cents):
    invoice_class(session, school["grade"], school["terms"][0], actor="t")
    pay(session, school["school"], student, f"OVER{student.id:06d}", 10_000 * KES + cents)
    assert credit_of(session, student) == cents


def test_a_refund_pays_back_credit_once_and_never_more_than_the_credit(session, school):
    elder = school["elder"]
    in_credit(session, school, elder, 3_000 * KES)
    with pytest.raises(InvalidAmount, match="more than LV-1's credit"):
        refund_credit(
            session, elder, Refund(RefundMethod.CHEQUE, "000123", 3_000 * KES + 1, TODAY), actor="t"
        )
    session.rollback()
    refund = Refund(RefundMethod.CHEQUE, " 000123 ", 2_000 * KES, TODAY)
    entry, created = refund_credit(session, elder, refund, actor="bursar@school")
    session.commit()
    again, twice = refund_credit(session, elder, refund, actor="bursar@school")
    assert created and not twice and again.id == entry.id
    assert (entry.kind, entry.memo) == (EntryKind.REFUND, "Credit refunded by cheque, ref 000123")
    assert credit_of(session, elder) == 1_000 * KES and total_owed(session, elder.id) == -1_000 * KES
    bank = session.scalar(select(Account).where(Account.kind == AccountKind.BANK))
    assert sum(line.credit - line.debit for line in entry.lines if line.account_id == bank.id) == 2_000 * KES
    with pytest.raises(IdempotencyConflict):
        refund_credit(session, elder, Refund(RefundMethod.CHEQUE, "000123", 500 * KES, TODAY), actor="t")
    session.rollback()
    last = statement(session, elder).lines[-1]
    assert (last.kind, last.charged, last.balance) == ("refund", 2_000 * KES, -1_000 * KES)
    books_hold(session)


def test_a_student_owing_or_without_credit_gets_no_refund(session, school):
    invoice_class(session, school["grade"], school["terms"][0], actor="t")
    for method in RefundMethod:
        with pytest.raises(InvalidAmount):
            refund_credit(session, school["elder"], Refund(method, "R1", 1 * KES, TODAY), actor="t")
    with pytest.raises(InvalidAmount, match="more than zero"):
        refund_credit(session, school["elder"], Refund(RefundMethod.CASH, "R1", 0, TODAY), actor="t")
    assert session.scalar(select(func.count(Entry.id)).where(Entry.kind == EntryKind.REFUND)) == 0


def test_credit_moved_to_a_sibling_pays_what_they_owe(session, school):
    elder, younger = school["elder"], school["younger"]
    in_credit(session, school, elder, 4_000 * KES)  # the younger owes KES 10,000 for term 1
    out, created = move_credit(session, elder, younger, 3_000 * KES, key="move:form1", on=TODAY, actor="t")
    session.commit()
    assert created and out.kind == EntryKind.CREDIT_TRANSFER
    assert credit_of(session, elder) == 1_000 * KES
    assert student_balance(session, younger).total == 7_000 * KES
    assert student_balance(session, younger).credit == 0  # the credit went to what was owed
    assert [h.balance for h in student_balance(session, younger).by_vote_head] == [7_000 * KES]
    assert statement(session, elder).lines[-1].description == "Credit moved to Baraka (LV-2)"
    assert statement(session, younger).lines[-1].paid == 3_000 * KES
    again, twice = move_credit(session, elder, younger, 3_000 * KES, key="move:form1", on=TODAY, actor="t")
    assert not twice and again.id == out.id and credit_of(session, elder) == 1_000 * KES
    transfer = session.scalar(select(Account.id).where(Account.kind == AccountKind.TRANSFER))
    assert session.scalar(select(func.sum(Line.debit - Line.credit)).where(Line.account_id == transfer)) == 0
    books_hold(session)


def test_credit_moves_only_to_a_sibling_and_only_as_much_as_there_is(session, school):
    elder = school["elder"]
    in_credit(session, school, elder, 1_000 * KES)
    with pytest.raises(NotSiblings):
        move_credit(session, elder, school["other"], 500 * KES, key="m1", on=TODAY, actor="t")
    with pytest.raises(InvalidAmount, match="more than LV-1's credit"):
        move_credit(session, elder, school["younger"], 1_000 * KES + 1, key="m2", on=TODAY, actor="t")
    session.rollback()
    assert credit_of(session, elder) == 1_000 * KES
    assert session.scalar(select(func.count(Entry.id)).where(Entry.kind == EntryKind.CREDIT_TRANSFER)) == 0
    books_hold(session)


def test_a_leavers_credit_can_be_refunded_and_the_books_still_hold(session, school):
    elder = school["elder"]
    in_credit(session, school, elder, 2_500 * KES)
    mark_left(elder, dt.date(2026, 3, 1), LeaveReason.TRANSFERRED, today=TODAY)
    refund_credit(session, elder, Refund(RefundMethod.MPESA, "QKX1234ABC", 2_500 * KES, TODAY), actor="t")
    session.commit()
    assert total_owed(session, elder.id) == 0
    books_hold(session)


def test_an_invoice_posted_before_the_leaving_was_recorded_is_named_until_reversed(session, school):
    elder, (term1, term2) = school["elder"], school["terms"]
    invoice_student(session, elder, term1, actor="t")
    late, _ = invoice_student(session, elder, term2, actor="t")
    mark_left(elder, dt.date(2026, 4, 30), LeaveReason.WITHDRAWN, today=TODAY)
    assert late is not None and invoiced_after_leaving(session, elder) == [("2026-2", late.id)]
    reverse_entry(session, elder.school_id, late.id, reason="left before term 2", on=TODAY, actor="t")
    assert invoiced_after_leaving(session, elder) == []
    assert total_owed(session, elder.id) == 10_000 * KES
