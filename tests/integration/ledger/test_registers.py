"""The bursar's reports on a generated school: collections by method, collections by vote head, the
vote-head analysis and the cash book add up to the same money; the fees register agrees with every
student's balance and the debtors with what is owed."""

from __future__ import annotations

import datetime as dt
import random

from ledger.billing.invoicing import invoice_student
from ledger.books.balances import total_owed
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.registers import CREDIT_CARRIED, METHODS, UNALLOCATED, build_report
from ledger.books.reversals import reverse_entry
from ledger.books.tables import PaymentSource
from ledger.payments.recording import Received, allocate_suspense, record_payment
from ledger.types import Report
from tests import builders as b

FIRST, LAST = dt.date(2026, 1, 5), dt.date(2026, 3, 31)
SOURCES = [source for source, _ in METHODS]


def generated_school(session, seed=7):
    """Forty children over two classes, paid every way over a term: some over, some under, one payment
    reversed, one left in suspense, one matched from suspense."""
    rng = random.Random(seed)
    school = b.school(session, slug="kilimani")
    term = b.term(session, school, "2026-1")
    heads = [
        b.vote_head(session, school, name, p) for name, p in (("Tuition", 10), ("Lunch", 20), ("Trip", 30))
    ]
    pupils = []
    for class_name in ("Grade 4", "Grade 5"):
        grade = b.school_class(session, school, class_name)
        b.fees(session, term, grade, {heads[0]: 20_000_00, heads[1]: 6_000_00, heads[2]: 1_500_00})
        pupils += [b.student(session, grade, f"{class_name[-1]}{n:03d}", f"Child {n}") for n in range(20)]
    for pupil in pupils:
        invoice_student(session, pupil, term, actor="t")
    payments = []
    for n, pupil in enumerate(pupils):
        for k in range(rng.randint(0, 3)):
            on = FIRST + dt.timedelta(days=rng.randint(0, 80))
            received = Received(rng.choice(SOURCES), f"REF{n:03d}{k}", rng.randint(5, 200) * 100_00, on)
            payments.append(record_payment(session, school.id, received, pupil, actor="t")[0])
    reverse_entry(session, school.id, payments[3].entry_id, reason="bounced", on=LAST, actor="t")
    waiting = Received(PaymentSource.MPESA_PAYBILL, "TKLSUSP1", 2_000_00, dt.date(2026, 2, 2), "NOBODY")
    record_payment(session, school.id, waiting, None, actor="t")
    matched = Received(PaymentSource.MPESA_PAYBILL, "TKLSUSP2", 3_000_00, dt.date(2026, 2, 3), "G4 1")
    later, _ = record_payment(session, school.id, matched, None, actor="t")
    allocate_suspense(session, later, pupils[1], actor="t")
    session.commit()
    return school, pupils


def column(report: Report, name: str) -> int:
    index = [c.name for c in report.columns].index(name)
    assert report.totals is not None
    total = report.totals[index]
    assert isinstance(total, int) and total == sum(int(row[index]) for row in report.rows)
    return total


def money_columns(report: Report, names: list[str]) -> int:
    return sum(column(report, name) for name in names if name in [c.name for c in report.columns])


def test_collections_by_method_by_vote_head_and_the_cash_book_agree(session):
    school, _ = generated_school(session)
    collections = build_report(session, school.id, "collections", FIRST, LAST)
    analysis = build_report(session, school.id, "vote-heads", FIRST, LAST)
    cash = build_report(session, school.id, "cash-book", FIRST, LAST)
    by_method = money_columns(collections, [label for _, label in METHODS])
    assert by_method == column(collections, "Total") > 0
    heads = ["Tuition", "Lunch", "Trip", CREDIT_CARRIED, UNALLOCATED]
    assert money_columns(collections, heads) == by_method
    assert column(analysis, "Amount") == money_columns(analysis, heads) == by_method
    assert column(cash, "Amount") == by_method
    assert column(collections, UNALLOCATED) == 2_000_00  # TKLSUSP1 waits; TKLSUSP2 was matched
    cancelled = [row for row in cash.rows if str(row[-1]).startswith("cancelled")]
    assert len(cancelled) == 1 and cancelled[0][7] == 0
    receipts = [row[0] for row in cash.rows]
    assert receipts == sorted(receipts) and len(set(receipts)) == len(receipts)
    assert unbalanced_entries(session) == [] and cached_balance_mismatches(session) == []


def test_the_fees_register_agrees_with_every_balance_and_the_debtors_with_what_is_owed(session):
    school, pupils = generated_school(session, seed=11)
    register = build_report(session, school.id, "fees-register", FIRST, LAST)
    owed = {p.admission_no: total_owed(session, p.id) for p in pupils}
    names = [c.name for c in register.columns]
    balance, charged, paid = (names.index(n) for n in ("Balance", "Charged", "Paid"))
    assert {row[0]: row[balance] for row in register.rows} == owed
    assert column(register, "Charged") == 40 * 27_500_00
    collections = build_report(session, school.id, "collections", FIRST, LAST)
    assert column(register, "Paid") == column(collections, "Total") - column(collections, UNALLOCATED)
    for row in register.rows:  # owed per vote head plus credit is the balance
        per_head = sum(int(v) for v in row[names.index("Tuition owed") :])
        assert row[charged] - row[paid] - row[names.index("Bursaries and discounts")] == row[balance]
        assert per_head >= row[balance]
    debtors = build_report(session, school.id, "debtors", FIRST, LAST)
    assert column(debtors, "Owed") == sum(v for v in owed.values() if v > 0)
    classes = [row[0] for row in debtors.rows]
    assert classes == sorted(classes)
