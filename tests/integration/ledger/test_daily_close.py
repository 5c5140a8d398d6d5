"""The daily close on a generated school: for every day, what came in by method, the receipts and what
waits in suspense agree with the collections report and the cash book for that day; on a busy day with
every method, a voided payment, a payment moved back to suspense and an unmatched one, each shows as such."""

from __future__ import annotations

import datetime as dt
import random

from ledger.billing.invoicing import invoice_student
from ledger.billing.sponsor_cheques import record_cheque
from ledger.billing.sponsors import sponsor_named
from ledger.books.registers import METHODS, UNALLOCATED, build_report
from ledger.books.tables import PaymentSource
from ledger.messaging.daily_close_notices import close_text
from ledger.money import kes
from ledger.payments.corrections import Destination, reverse_payment
from ledger.payments.daily_close import daily_close
from ledger.payments.recording import Received, record_payment
from ledger.sms_parts import sms_segments
from ledger.types import Report
from tests import builders as b

FIRST, LAST = dt.date(2026, 1, 5), dt.date(2026, 2, 27)
BUSY = dt.date(2026, 2, 10)
NOW = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
SOURCES = [source for source, _ in METHODS]


def busy_school(session, seed=5):
    """Thirty children paid at random over the weeks, and a busy day: every method, two payments
    reversed that day (one of that day, voided; one of an earlier day, sent back to suspense), one left
    in suspense, and a sponsor's cheque."""
    rng = random.Random(seed)
    school = b.school(session, slug="kilimani")
    term = b.term(session, school, "2026-1")
    grade = b.school_class(session, school, "Grade 4")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 20_000_00})
    pupils = [b.student(session, grade, f"A{n:03d}", f"Child {n}") for n in range(30)]
    for pupil in pupils:
        invoice_student(session, pupil, term, actor="t")
    for n, pupil in enumerate(pupils):
        on = FIRST + dt.timedelta(days=rng.randint(0, (LAST - FIRST).days))
        paid = Received(rng.choice(SOURCES), f"R{n:03d}", rng.randint(1, 90) * 100_00, on)
        record_payment(session, school.id, paid, pupil, actor="t")
    busy = []
    for k, source in enumerate(SOURCES):
        paid = Received(source, f"BUSY{k}", (k + 1) * 1_000_00, BUSY)
        busy.append(record_payment(session, school.id, paid, pupils[k], actor="t")[0])
    paid = Received(PaymentSource.CASH, "EARLY1", 700_00, BUSY - dt.timedelta(days=3))
    earlier, _ = record_payment(session, school.id, paid, pupils[9], actor="t")
    reverse_payment(
        session, busy[3], Destination.VOID, reason="cash miscounted", actor="bursar", now=NOW, on=BUSY
    )
    reverse_payment(
        session, earlier, Destination.SUSPENSE, reason="wrong child", actor="bursar", now=NOW, on=BUSY
    )
    waiting = Received(PaymentSource.MPESA_PAYBILL, "TKLSUSP1", 2_500_00, BUSY, "NOBODY")
    record_payment(session, school.id, waiting, None, actor="t")
    cdf, _ = sponsor_named(session, school.id, "NG-CDF Kibra")
    record_cheque(session, cdf, term, "CHQ 881", [(pupils[20], 4_000_00)], received_on=BUSY, actor="t")
    session.commit()
    return school


def row_of(report: Report, day: dt.date) -> dict[str, object]:
    names = [column.name for column in report.columns]
    rows = [dict(zip(names, row, strict=True)) for row in report.rows if row[0] == day]
    return rows[0] if rows else {}


def total_of(report: Report, column: str) -> int:
    """The column's total; 0 when no row used it (the report then leaves the column out)."""
    names = [c.name for c in report.columns]
    return int(report.totals[names.index(column)]) if column in names and report.totals else 0


def test_every_days_close_agrees_with_the_collections_and_the_cash_book(session):
    school = busy_school(session)
    collections = build_report(session, school.id, "collections", FIRST, LAST)
    cash_book = build_report(session, school.id, "cash-book", FIRST, LAST)
    day, closed_total = FIRST, 0
    while day <= LAST:
        close = daily_close(session, school.id, day)
        collected = row_of(collections, day)
        assert [m.amount for m in close.methods] == [collected.get(label, 0) for _, label in METHODS]
        assert close.total == collected.get("Total", 0)
        assert close.suspense_today == collected.get(UNALLOCATED, 0)
        booked = [row for row in cash_book.rows if row[1] == day]
        assert [r.number for r in close.receipts] == [row[0] for row in booked]
        assert sum(int(row[7]) for row in booked) == close.total
        assert [r.cancelled for r in close.receipts] == [
            str(row[8]).startswith("cancelled") for row in booked
        ]
        closed_total += close.total
        so_far = build_report(session, school.id, "collections", FIRST, day)
        assert close.suspense_total == total_of(so_far, UNALLOCATED)
        day += dt.timedelta(days=1)
    assert closed_total == total_of(collections, "Total") > 0


def test_the_busy_day_shows_every_method_the_reversals_and_suspense(session):
    school = busy_school(session)
    close = daily_close(session, school.id, BUSY)
    by_label = {m.label: m for m in close.methods}
    assert all(by_label[label].count >= 1 for label in ("M-Pesa STK", "M-Pesa Paybill", "Bank", "Cheque"))
    assert close.total == sum(m.amount for m in close.methods)
    voided = [r for r in close.receipts if r.cancelled]
    assert [r.reference for r in voided] == ["BUSY3"] and voided[0].amount == 4_000_00
    assert close.first_receipt == min(r.number for r in close.receipts)
    assert close.last_receipt == max(r.number for r in close.receipts)
    assert close.suspense_count_today == 1 and close.suspense_today == 2_500_00
    # The earlier payment sent back to suspense waits too: counted on the day it was received.
    assert (close.suspense_count, close.suspense_total) == (2, 2_500_00 + 700_00)
    outcomes = {r.reference: (r.outcome, r.reason, r.amount) for r in close.reversals}
    assert outcomes == {
        "BUSY3": ("cancelled", "cash miscounted", 4_000_00),
        "EARLY1": ("back in suspense", "wrong child", 700_00),
    }
    assert [(c.sponsor, c.amount) for c in close.cheques] == [("NG-CDF Kibra", 4_000_00)]
    assert daily_close(session, school.id, BUSY - dt.timedelta(days=1)).suspense_total == 700_00


def test_the_sms_summary_of_a_full_day_fits_two_parts_and_keeps_the_totals(session):
    school = busy_school(session)
    close = daily_close(session, school.id, BUSY)
    text = close_text("St. Bakhita Kiambu Mixed Day and Boarding Secondary School", close)
    assert sms_segments(text) <= 2
    assert f"KES {kes(close.total, label=False)} in." in text
    assert f"Receipts {close.first_receipt}.." in text and "1 cancelled" in text
    assert "Suspense: KES 2,500 today, KES 3,200 in all." in text
    roomy = close_text("Kilimani", close)
    assert sms_segments(roomy) <= 2 and "Reversed 2: KES 4,700." in roomy
