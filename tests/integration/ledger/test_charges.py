"""Optional fee items, mid-term joins and leaves, one-off charges and fee-structure changes, as a bursar
sees them on PostgreSQL and SQLite: each a balanced entry, posted once per key, the books whole after."""

import datetime as dt

import pytest

from ledger.billing.charges import Charge, charge_class, charge_student
from ledger.billing.enrolments import EnrolmentRefused, mark_optional
from ledger.billing.fee_structure import (
    FeeStructureChanged,
    apply_fee_change,
    preview_fee_change,
    set_optional,
)
from ledger.billing.invoicing import invoice_class, invoice_student
from ledger.billing.leaving import leave_school
from ledger.billing.optional_changes import change_enrolment, preview_change, pro_rata, stop_optional_items
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.statements import statement
from ledger.books.tables import Entry, EntryKind, PaymentSource
from ledger.errors import IdempotencyConflict, InvalidAmount
from ledger.payments.recording import Received, record_payment
from ledger.records.leavers import LeaveReason
from tests import builders as b

# builders.term: 2026-1 runs 5 January to 5 April, 91 days.
MID_TERM = dt.date(2026, 2, 19)  # 46 days left of 91


@pytest.fixture
def school(session):
    """Form 1 pays tuition KES 10,000 and, if they take it, transport KES 9,100; three students."""
    school = b.school(session)
    form1 = b.school_class(session, school, "Form 1")
    tuition = b.vote_head(session, school, "Tuition", 10)
    transport = b.vote_head(session, school, "Transport", 20)
    uniform = b.vote_head(session, school, "Uniform", 30)
    term = b.term(session, school, "2026-1")
    b.fees(session, term, form1, {tuition: 1_000_000, transport: 910_000})
    rider, walker, own_fare = (b.student(session, form1, f"CH-{n}") for n in (1, 2, 3))
    session.commit()
    return {
        "school": school,
        "form1": form1,
        "term": term,
        "tuition": tuition,
        "transport": transport,
        "uniform": uniform,
        "rider": rider,
        "walker": walker,
        "own_fare": own_fare,
    }


def enrol(session, s, student, on=dt.date(2026, 1, 1), amount=None, key=None):
    preview, entry = change_enrolment(
        session,
        student,
        s["term"],
        s["transport"],
        join=True,
        on=on,
        key=key or f"enrol:{student.id}:{on}",
        actor="t",
        amount=amount,
    )
    session.commit()
    return preview, entry


def leave(session, s, student, on, key=None):
    preview, entry = change_enrolment(
        session,
        student,
        s["term"],
        s["transport"],
        join=False,
        on=on,
        key=key or f"leave:{student.id}",
        actor="t",
    )
    session.commit()
    return preview, entry


def books_whole(session):
    assert unbalanced_entries(session) == []
    assert cached_balance_mismatches(session) == []


def test_optional_items_are_invoiced_only_to_the_enrolled_at_their_own_amount(session, school):
    s = school
    assert [item.vote_head_id for item in mark_optional(session, s["term"].id, s["transport"].id)] == [
        s["transport"].id
    ]
    enrol(session, s, s["rider"])
    enrol(session, s, s["own_fare"], amount=500_000)
    run = invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    session.commit()
    assert run.invoiced == 3
    assert total_owed(session, s["rider"].id) == 1_910_000
    assert total_owed(session, s["walker"].id) == 1_000_000
    assert total_owed(session, s["own_fare"].id) == 1_500_000
    books_whole(session)


def test_a_student_who_is_not_active_is_invoiced_no_optional_item(session, school):
    s = school
    mark_optional(session, s["term"].id, s["transport"].id)
    enrol(session, s, s["rider"])
    s["rider"].active = False
    invoice_student(session, s["rider"], s["term"], actor="t")
    session.commit()
    assert total_owed(session, s["rider"].id) == 1_000_000
    s["walker"].active = False
    with pytest.raises(EnrolmentRefused, match="not an active student"):
        enrol(session, s, s["walker"], on=MID_TERM, key="again")


def test_joining_mid_term_is_a_pro_rata_charge_from_that_day_not_an_edit(session, school):
    s = school
    mark_optional(session, s["term"].id, s["transport"].id)
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    session.commit()
    invoice = session.query(Entry).filter_by(student_id=s["walker"].id, kind=EntryKind.INVOICE).one()
    shown = preview_change(session, s["walker"], s["term"], s["transport"], join=True, on=MID_TERM)
    assert (shown.amount, shown.days, shown.term_days) == (460_000, 46, 91)  # 9,100 x 46/91
    preview, entry = enrol(session, s, s["walker"], on=MID_TERM, key="form-token-1")
    assert entry is not None and entry.kind == EntryKind.CHARGE and entry.effective_on == MID_TERM
    assert preview.amount == shown.amount
    assert total_owed(session, s["walker"].id) == 1_000_000 + 460_000
    assert sum(line.debit for line in invoice.lines) == 1_000_000  # the invoice is as it was
    # The same form sent twice posts once.
    _, again = enrol(session, s, s["walker"], on=MID_TERM, key="form-token-1")
    assert again is not None and again.id == entry.id
    assert total_owed(session, s["walker"].id) == 1_460_000
    assert (
        "Transport from 2026-02-19"
        in [line.description for line in statement(session, s["walker"]).lines][-1]
    )
    books_whole(session)


def test_leaving_mid_term_is_a_credit_for_the_days_left_and_paid_money_becomes_credit(session, school):
    s = school
    mark_optional(session, s["term"].id, s["transport"].id)
    enrol(session, s, s["rider"])
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    received = Received(PaymentSource.CASH, "CASH-1", 1_910_000, dt.date(2026, 1, 6))
    record_payment(session, s["school"].id, received, s["rider"], actor="t", notify=False)
    session.commit()
    preview, entry = leave(session, s, s["rider"], MID_TERM)
    assert entry is not None and preview.amount == 460_000
    assert total_owed(session, s["rider"].id) == -460_000  # paid in full: the credit is carried forward
    # Leaving again changes nothing; joining and leaving the same day nets to zero.
    assert leave(session, s, s["rider"], MID_TERM, key="other")[0].unchanged
    _, joined = enrol(session, s, s["rider"], on=dt.date(2026, 3, 1), key="rejoin")
    _, left = leave(session, s, s["rider"], dt.date(2026, 3, 1), key="releave")
    assert joined is not None and left is not None
    assert total_owed(session, s["rider"].id) == -460_000
    books_whole(session)


def test_pro_rata_is_whole_before_the_term_and_nothing_after_it(school):
    term = school["term"]
    assert pro_rata(910_000, term, dt.date(2025, 12, 1)) == (910_000, 91, 91)
    assert pro_rata(910_000, term, dt.date(2026, 4, 6))[0] == 0


def test_a_join_with_nothing_to_bill_is_refused(session, school):
    s = school
    with pytest.raises(EnrolmentRefused, match="has no fee for Form 1"):
        change_enrolment(
            session, s["rider"], s["term"], s["uniform"], join=True, on=MID_TERM, key="k", actor="t"
        )


def test_a_one_off_charge_to_a_class_posts_once_per_active_student(session, school):
    s = school
    s["own_fare"].active = False
    charge = Charge(s["term"], s["uniform"], 250_000, "Uniform: two shirts", MID_TERM)
    run = charge_class(session, s["form1"], charge, key="class-charge-1", actor="t")
    session.commit()
    assert [student.admission_no for student, _ in run.charged] == ["CH-1", "CH-2"]
    assert run.total == 500_000
    again = charge_class(session, s["form1"], charge, key="class-charge-1", actor="t")
    session.commit()
    assert again.charged == [] and len(again.already) == 2
    assert total_owed(session, s["rider"].id) == 250_000
    assert session.query(Entry).filter_by(kind=EntryKind.CHARGE).count() == 2
    other = Charge(s["term"], s["uniform"], 300_000, "Uniform: two shirts", MID_TERM)
    with pytest.raises(IdempotencyConflict):
        charge_student(session, s["rider"], other, key="class-charge-1:s" + str(s["rider"].id), actor="t")
    with pytest.raises(InvalidAmount):
        charge_student(
            session, s["rider"], Charge(s["term"], s["uniform"], 0, "x", MID_TERM), key="z", actor="t"
        )
    books_whole(session)


def test_a_fee_change_before_invoicing_only_edits_the_structure(session, school):
    s = school
    change = preview_fee_change(session, s["term"], s["form1"], s["tuition"], 1_200_000)
    assert change.touched == []
    apply_fee_change(session, change, key="fee-1", on=MID_TERM, actor="t")
    set_optional(session, s["term"], s["form1"], s["transport"], True)
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    session.commit()
    assert total_owed(session, s["walker"].id) == 1_200_000
    assert session.query(Entry).filter_by(kind=EntryKind.CHARGE).count() == 0


def test_a_fee_change_after_invoicing_is_a_charge_or_credit_to_each_invoiced_student(session, school):
    s = school
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    s["own_fare"].active = False
    session.commit()
    raised = preview_fee_change(session, s["term"], s["form1"], s["tuition"], 1_100_000)
    assert [st.admission_no for st in raised.touched] == ["CH-1", "CH-2"] and raised.total == 200_000
    entries, applied = apply_fee_change(session, raised, key="fee-token", on=MID_TERM, actor="t")
    session.commit()
    assert applied and len(entries) == 2
    assert total_owed(session, s["walker"].id) == 1_910_000 + 100_000
    # The same form again returns the first entries; a stale preview is refused.
    again, applied_again = apply_fee_change(session, raised, key="fee-token", on=MID_TERM, actor="t")
    assert not applied_again and [e.id for e in again] == [e.id for e in entries]
    with pytest.raises(FeeStructureChanged, match="since the preview"):
        apply_fee_change(session, raised, key="fee-token-2", on=MID_TERM, actor="t")
    session.rollback()
    retired = preview_fee_change(session, s["term"], s["form1"], s["transport"], 0)
    apply_fee_change(session, retired, key="fee-token-3", on=MID_TERM, actor="t")
    session.commit()
    assert total_owed(session, s["walker"].id) == 1_100_000
    with pytest.raises(FeeStructureChanged, match="already invoiced"):
        set_optional(session, s["term"], s["form1"], s["tuition"], True)
    # A student invoiced after the change pays the structure as it now stands.
    late = b.student(session, s["form1"], "CH-9")
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    session.commit()
    assert total_owed(session, late.id) == 1_100_000
    books_whole(session)


def test_a_leaver_is_taken_off_every_optional_item_with_a_credit_for_the_days_left(session, school):
    s = school
    mark_optional(session, s["term"].id, s["transport"].id)
    enrol(session, s, s["rider"])
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    s["rider"].active = False
    done = stop_optional_items(session, s["rider"], MID_TERM, key="leaver:1", actor="t")
    session.commit()
    assert [(preview.amount, entry is not None) for preview, entry in done] == [(460_000, True)]
    assert total_owed(session, s["rider"].id) == 1_910_000 - 460_000
    assert stop_optional_items(session, s["rider"], MID_TERM, key="leaver:1", actor="t") == []
    books_whole(session)


def test_leaving_school_stops_the_optional_items_with_their_credit_once(session, school):
    s = school
    mark_optional(session, s["term"].id, s["transport"].id)
    enrol(session, s, s["rider"])
    invoice_class(session, s["form1"], s["term"], actor="t", notify=False)
    assert leave_school(session, s["rider"], MID_TERM, LeaveReason.TRANSFERRED, today=MID_TERM, actor="t")
    session.commit()
    assert not s["rider"].active and total_owed(session, s["rider"].id) == 1_910_000 - 460_000
    assert not leave_school(session, s["rider"], MID_TERM, LeaveReason.TRANSFERRED, today=MID_TERM, actor="t")
    assert total_owed(session, s["rider"].id) == 1_910_000 - 460_000
    books_whole(session)
