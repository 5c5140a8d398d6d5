"""Bursaries and sponsors on PostgreSQL and SQLite: an award credits the student's term (only the named vote
head when one is named) against the sponsor's account, once per key, to the cent; a sponsor's cheque for
many students is one entry split over them; a reversed award shows reversed and can be made again."""

import datetime as dt

import pytest

from ledger.billing.award_limits import AwardTerms, InvalidAward
from ledger.billing.bursaries import AwardState, award_bursary, award_state, confirm_award, fresh_award_key
from ledger.billing.invoicing import invoice_class, invoice_student
from ledger.billing.sponsor_cheques import InvalidCheque, plan_cheque, record_cheque
from ledger.billing.sponsor_tables import SponsorChequeLine, SponsorKind
from ledger.billing.sponsors import sponsor_named, sponsor_totals, totals_of
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.statements import statement
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, PaymentSource
from ledger.errors import IdempotencyConflict
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.recording import Received, record_payment
from tests import builders as b

TUITION, LUNCH = 1_000_005, 300_000  # KES 10,000.05 and 3,000
DAY = dt.date(2026, 1, 20)


@pytest.fixture
def school(session):
    school = b.school(session, name="Kibra Secondary")
    form1 = b.school_class(session, school, "Form 1")
    tuition, lunch = b.vote_head(session, school, "Tuition", 10), b.vote_head(session, school, "Lunch", 20)
    term = b.term(session, school, "2026-1")
    b.fees(session, term, form1, {tuition: TUITION, lunch: LUNCH})
    pupils = [b.student(session, form1, f"F1-{n}", f"Pupil {n}") for n in range(1, 4)]
    cdf, _ = sponsor_named(session, school.id, "NG-CDF Kibra")
    session.commit()
    return {
        "school": school,
        "form1": form1,
        "term": term,
        "tuition": tuition,
        "lunch": lunch,
        "pupils": pupils,
        "cdf": cdf,
    }


def owed(session, student):
    return student_balance(session, student).total


def books_hold(session):
    return unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def award(session, s, pupil, key="k1", at=None, **terms):
    sponsor = terms.pop("sponsor", s["cdf"])
    return award_bursary(
        session, pupil, s["term"], sponsor, AwardTerms(**terms), key=key, actor="bursar", on=DAY, at=at
    )


def test_a_fixed_award_credits_the_term_against_the_sponsor_who_then_owes_it(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    made, created = award(session, school, pupil, amount=500_000)
    session.commit()
    assert created and award_state(session, made, DAY) == AwardState.CREDITED
    assert owed(session, pupil) == TUITION + LUNCH - 500_000
    assert statement(session, pupil).lines[-1].description == "Bursary: NG-CDF Kibra"
    sponsor_account = session.get(Account, school["cdf"].account_id)
    assert sponsor_account.kind == AccountKind.SPONSOR
    totals = totals_of(session, school["cdf"])
    assert (totals.pledged, totals.received, totals.outstanding) == (500_000, 0, 500_000)
    assert books_hold(session)


def test_the_same_key_awards_once_and_another_request_under_it_is_refused(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    first, _ = award(session, school, pupil, amount=100_000)
    again, created = award(session, school, pupil, amount=100_000)
    assert again.id == first.id and not created
    with pytest.raises(IdempotencyConflict):
        award(session, school, pupil, amount=200_000)
    session.commit()
    assert owed(session, pupil) == TUITION + LUNCH - 100_000
    assert session.query(Entry).filter(Entry.kind == EntryKind.BURSARY).count() == 1


def test_a_percentage_is_of_what_the_term_invoiced_to_the_cent_half_up(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    award(session, school, pupil, percent_bp=3333)  # 33.33% of 13,000.05 = 4,332.916665 -> 4,332.92
    session.commit()
    assert owed(session, pupil) == TUITION + LUNCH - 433_292
    assert books_hold(session)


def test_an_award_on_a_vote_head_credits_that_head_only(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    award(session, school, pupil, percent_bp=5000, vote_head=school["lunch"])
    session.commit()
    heads = {h.vote_head: h.balance for h in student_balance(session, pupil).by_vote_head}
    assert heads == {"Tuition": TUITION, "Lunch": LUNCH // 2}
    with pytest.raises(InvalidAward, match="Lunch"):
        award(session, school, pupil, key="k2", amount=LUNCH // 2 + 1, vote_head=school["lunch"])


def test_awards_never_come_to_more_than_the_terms_fees(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    award(session, school, pupil, amount=TUITION + LUNCH - 100)
    with pytest.raises(InvalidAward, match="left to award"):
        award(session, school, pupil, key="k2", amount=101)
    award(session, school, pupil, key="k3", amount=100)
    session.commit()
    assert owed(session, pupil) == 0 and books_hold(session)


def test_an_award_before_invoicing_waits_and_is_credited_when_the_term_is_invoiced(session, school):
    pupil = school["pupils"][0]
    made, _ = award(session, school, pupil, percent_bp=10_000, vote_head=school["tuition"])
    assert award_state(session, made, DAY) == AwardState.AWAITING_INVOICE
    invoice_student(session, pupil, school["term"], actor="bursar")
    session.commit()
    assert award_state(session, made, DAY) == AwardState.CREDITED
    assert owed(session, pupil) == LUNCH
    invoice_student(session, pupil, school["term"], actor="bursar")  # again: nothing more
    session.commit()
    assert owed(session, pupil) == LUNCH and books_hold(session)


def test_a_conditional_award_is_a_pledge_until_confirmed(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    pledge, _ = award(session, school, pupil, amount=200_000, conditional=True)
    assert award_state(session, pledge, DAY) == AwardState.PLEDGED
    assert owed(session, pupil) == TUITION + LUNCH
    assert totals_of(session, school["cdf"]).pending == 200_000
    confirm_award(session, pledge, on=DAY, actor="bursar")
    session.commit()
    assert award_state(session, pledge, DAY) == AwardState.CREDITED
    assert owed(session, pupil) == TUITION + LUNCH - 200_000


def test_an_award_past_its_validity_lapses(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    pledge, _ = award(
        session, school, pupil, amount=200_000, conditional=True, valid_until=DAY + dt.timedelta(days=5)
    )
    late = DAY + dt.timedelta(days=6)
    assert confirm_award(session, pledge, on=late, actor="bursar") is None
    assert award_state(session, pledge, late) == AwardState.LAPSED
    assert owed(session, pupil) == TUITION + LUNCH


def test_a_bursary_on_a_term_already_paid_leaves_the_familys_money_as_credit(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    received = Received(PaymentSource.CASH, "CASH-1", TUITION + LUNCH, DAY, pupil.admission_no, None)
    record_payment(
        session,
        school["school"].id,
        received,
        pupil,
        actor="bursar",
        now=dt.datetime(2026, 1, 20, 8, tzinfo=dt.UTC),
    )
    award(session, school, pupil, amount=300_000)
    session.commit()
    assert owed(session, pupil) == -300_000 and books_hold(session)


def test_a_reversed_award_shows_reversed_and_can_be_made_again(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    made, _ = award(session, school, pupil, key="bursary:x", amount=TUITION + LUNCH)
    reverse_entry(session, school["school"].id, made.entry_id, reason="wrong student", on=DAY, actor="bursar")
    assert award_state(session, made, DAY) == AwardState.REVERSED
    assert owed(session, pupil) == TUITION + LUNCH
    key = fresh_award_key(session, school["school"].id, "bursary:x")
    assert key == "bursary:x#1"
    again, created = award(session, school, pupil, key=key, amount=TUITION + LUNCH)
    session.commit()
    assert created and award_state(session, again, DAY) == AwardState.CREDITED
    assert owed(session, pupil) == 0
    assert totals_of(session, school["cdf"]).pledged == TUITION + LUNCH and books_hold(session)


def test_the_schools_own_waiver_is_its_cost_and_never_owed_by_anyone(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    waiver, _ = sponsor_named(session, school["school"].id, "School waiver")
    assert waiver.kind == SponsorKind.SCHOOL and waiver.account_id is None
    award(session, school, school["pupils"][0], sponsor=waiver, amount=50_000)
    session.commit()
    totals = totals_of(session, waiver)
    assert (totals.pledged, totals.received, totals.outstanding) == (50_000, 0, 0)
    assert statement(session, school["pupils"][0]).lines[-1].description == "Waiver: School waiver"


def test_a_cheque_is_one_entry_split_over_its_students_and_equals_its_total(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    first, second, third = school["pupils"]
    award(session, school, first, amount=400_000)  # awarded before the cheque
    award(session, school, second, key="k2", amount=300_000, conditional=True)  # a pledge the cheque confirms
    lines = [(first, 400_000), (second, 300_000), (third, 250_000)]  # the third had no award: gets one
    shares = plan_cheque(session, school["cdf"], school["term"], lines)
    assert [s.new_award for s in shares] == [0, 0, 250_000]
    cheque, created = record_cheque(
        session, school["cdf"], school["term"], "chq 001234", lines, received_on=DAY, actor="bursar"
    )
    session.commit()
    assert created and cheque.reference == "CHQ 001234" and cheque.amount == 950_000
    entry = session.get(Entry, cheque.entry_id)
    assert entry.kind == EntryKind.SPONSOR_RECEIPT and len(entry.lines) == 2
    split = session.query(SponsorChequeLine).filter_by(cheque_id=cheque.id).all()
    assert sum(line.amount for line in split) == cheque.amount
    assert [owed(session, p) for p in (first, second, third)] == [
        TUITION + LUNCH - 400_000,
        TUITION + LUNCH - 300_000,
        TUITION + LUNCH - 250_000,
    ]
    totals = totals_of(session, school["cdf"])
    assert (totals.pledged, totals.received, totals.outstanding) == (950_000, 950_000, 0)
    assert session.get(Account, school["cdf"].account_id) is not None and books_hold(session)

    again, created = record_cheque(
        session, school["cdf"], school["term"], "CHQ 001234", lines, received_on=DAY, actor="bursar"
    )
    assert again.id == cheque.id and not created
    with pytest.raises(IdempotencyConflict):
        record_cheque(
            session, school["cdf"], school["term"], "CHQ 001234", lines[:2], received_on=DAY, actor="bursar"
        )


def test_a_cheque_for_more_than_a_students_fees_is_refused_whole_naming_each_student(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    session.commit()
    first, second, third = school["pupils"]
    lines = [(first, 1_000), (second, TUITION + LUNCH + 1), (third, TUITION + LUNCH + 2)]
    with pytest.raises(InvalidCheque) as refused:
        record_cheque(session, school["cdf"], school["term"], "C-9", lines, received_on=DAY, actor="bursar")
    assert [problem.split(":")[0] for problem in refused.value.problems] == ["F1-2", "F1-3"]
    assert "left to award" in refused.value.problems[0]
    session.rollback()
    assert session.query(Entry).count() == 3  # the invoices only
    assert sponsor_totals(session, school["school"].id)[0].received == 0


def test_the_family_is_told_once_when_a_bursary_is_credited_and_not_while_pledged(session, school):
    invoice_class(session, school["form1"], school["term"], actor="bursar")
    pupil = school["pupils"][0]
    b.guardian(session, school["school"], "+254712345678", pupil, name="Mary")
    now = dt.datetime(2026, 1, 20, 7, tzinfo=dt.UTC)
    pledge, _ = award(session, school, pupil, amount=500_000, conditional=True, at=now)
    session.commit()
    notices = session.query(OutboxMessage).filter(OutboxMessage.category == Category.BURSARY_NOTICE)
    assert notices.count() == 0  # a pledge is not news yet
    for _ in range(2):
        confirm_award(session, pledge, on=DAY, actor="bursar", at=now)
        session.commit()
    [notice] = notices.all()
    assert notice.phone == "+254712345678"
    assert notice.body == (
        "Kibra Secondary: A bursary of KES 5,000 from NG-CDF Kibra was credited to Pupil 1's term 2026-1 "
        "fees. Balance now KES 8,000.05."
    )
