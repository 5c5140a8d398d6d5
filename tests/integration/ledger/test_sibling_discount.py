"""The sibling discount, on PostgreSQL and SQLite: every child of a family but the first-admitted gets a
share off tuition at invoicing, to the cent, once."""

import pytest

from ledger.billing.fee_rules import InvalidRule, RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class, invoice_student
from ledger.books.balances import student_balance
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.reversals import reverse_entry
from ledger.books.statements import statement
from ledger.books.tables import Entry, EntryKind
from tests import builders as b

TUITION, LUNCH = 2_000_005, 650_000  # KES 20,000.05 and 6,500.00
DISCOUNT = 200_001  # 10% of 20,000.05 is 2,000.005: half-up to the cent, 2,000.01


@pytest.fixture
def school(session):
    """Grade 4 (tuition and lunch); the Kamau family's three children share Mary's phone; Otieno is alone."""
    school = b.school(session)
    grade4 = b.school_class(session, school, "Grade 4")
    tuition, lunch = b.vote_head(session, school, "Tuition", 10), b.vote_head(session, school, "Lunch", 20)
    terms = [b.term(session, school, f"2026-{n}") for n in (1, 2)]
    for term in terms:
        b.fees(session, term, grade4, {tuition: TUITION, lunch: LUNCH})
    eldest, second, third = (b.student(session, grade4, f"K-{n}", f"Kamau {n}") for n in (1, 2, 3))
    alone = b.student(session, grade4, "O-1", "Otieno")
    b.guardian(session, school, "+254712345678", eldest, second, third, name="Mary Kamau")
    b.guardian(session, school, "+254722000111", alone, name="Jane Achieng")
    set_rules(session, school.id, RuleChanges(sibling_bp=1000))
    session.commit()
    return {
        "school": school,
        "grade4": grade4,
        "terms": terms,
        "kamau": [eldest, second, third],
        "alone": alone,
    }


def owed(session, student):
    return student_balance(session, student).total


def discounts(session):
    return session.query(Entry).filter(Entry.kind == EntryKind.DISCOUNT).order_by(Entry.id).all()


def test_the_first_admitted_child_pays_full_and_each_later_sibling_gets_ten_percent_off_tuition(
    session, school
):
    invoice_class(session, school["grade4"], school["terms"][0], actor="bursar")
    session.commit()
    eldest, second, third = school["kamau"]
    assert [owed(session, child) for child in school["kamau"]] == [
        TUITION + LUNCH,
        TUITION + LUNCH - DISCOUNT,
        TUITION + LUNCH - DISCOUNT,
    ]
    assert owed(session, school["alone"]) == TUITION + LUNCH  # no sibling, no discount
    last = statement(session, second).lines[-1]
    assert (last.description, last.paid, last.kind) == (
        "Sibling discount 10% on Tuition",
        DISCOUNT,
        "sibling_discount",  # Karo's own discount, named apart on a parent's statement
    )
    assert [h.balance for h in student_balance(session, third).by_vote_head] == [TUITION - DISCOUNT, LUNCH]
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_invoicing_again_posts_no_second_discount(session, school):
    for _ in range(2):
        run = invoice_class(session, school["grade4"], school["terms"][0], actor="bursar")
        session.commit()
    assert (run.invoiced, run.already) == (0, 4)
    assert len(discounts(session)) == 2
    assert owed(session, school["kamau"][2]) == TUITION + LUNCH - DISCOUNT


def test_a_sibling_who_joins_late_gets_the_discount_and_nobody_else_changes(session, school):
    term = school["terms"][0]
    invoice_class(session, school["grade4"], term, actor="bursar")
    session.commit()
    before = [owed(session, child) for child in school["kamau"]]
    fourth = b.student(session, school["grade4"], "K-4", "Kamau 4")
    b.guardian(session, school["school"], "+254733999888", fourth, school["kamau"][0], name="John Kamau")
    invoice_student(session, fourth, term, actor="bursar")
    session.commit()
    assert owed(session, fourth) == TUITION + LUNCH - DISCOUNT  # a sibling through the other parent's phone
    assert [owed(session, child) for child in school["kamau"]] == before


def test_when_the_eldest_leaves_the_next_child_pays_full_from_the_next_term(session, school):
    term1, term2 = school["terms"]
    eldest, second, third = school["kamau"]
    invoice_class(session, school["grade4"], term1, actor="bursar")
    eldest.active = False
    invoice_class(session, school["grade4"], term2, actor="bursar")
    session.commit()
    # Term 1's discount stands; in term 2 the second child is the family's first and pays full.
    assert owed(session, second) == (TUITION + LUNCH - DISCOUNT) + (TUITION + LUNCH)
    assert owed(session, third) == 2 * (TUITION + LUNCH - DISCOUNT)


def test_a_withdrawn_discount_stays_withdrawn_and_a_reinvoice_never_doubles_it(session, school):
    s, term = school["school"], school["terms"][0]
    second, third = school["kamau"][1:]
    invoice_class(session, school["grade4"], term, actor="bursar")
    session.commit()
    by_student = {entry.student_id: entry for entry in discounts(session)}
    reverse_entry(
        session, s.id, by_student[second.id].id, reason="not siblings", on=term.starts_on, actor="b"
    )
    invoice = session.query(Entry).filter_by(kind=EntryKind.INVOICE, student_id=third.id).one()
    reverse_entry(session, s.id, invoice.id, reason="wrong fees", on=term.starts_on, actor="b")
    session.commit()
    invoice_class(session, school["grade4"], term, actor="bursar")
    session.commit()
    assert owed(session, second) == TUITION + LUNCH  # withdrawn, not posted again
    assert owed(session, third) == TUITION + LUNCH - DISCOUNT  # invoiced afresh, still one discount
    assert len(discounts(session)) == 2


def test_a_rule_turned_on_after_paying_applies_on_the_next_invoicing_run_and_becomes_credit(session, school):
    from tests.integration.ledger.test_late_fees import pay

    s, term, second = school["school"], school["terms"][0], school["kamau"][1]
    set_rules(session, s.id, RuleChanges(off=["sibling-discount"]))
    invoice_class(session, school["grade4"], term, actor="bursar")
    session.commit()
    pay(session, s, second, "SIB0000001", TUITION + LUNCH)
    set_rules(session, s.id, RuleChanges(sibling_bp=1500))
    invoice_class(session, school["grade4"], term, actor="bursar")
    session.commit()
    # 15% of 20,000.05 is 3,000.0075, so 3,000.01: tuition was paid already, so it is credit carried forward.
    balance = student_balance(session, second)
    assert (balance.total, balance.credit, balance.by_vote_head) == (-300_001, 300_001, ())


def test_a_discount_on_a_vote_head_the_school_lacks_is_refused_rather_than_taking_nothing_off(session):
    school = b.school(session)
    b.vote_head(session, school, "Tuition Fee", 10)
    with pytest.raises(InvalidRule, match="no vote head 'Tuition'"):
        set_rules(session, school.id, RuleChanges(sibling_bp=1000))
    rules = set_rules(session, school.id, RuleChanges(sibling_bp=1000, sibling_heads=["tuition  fee"]))
    assert (rules.sibling_discount_bp, rules.sibling_vote_heads) == (1000, ["Tuition Fee"])
