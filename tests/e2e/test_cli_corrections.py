"""`karo payment reverse` as a bursar uses it, on a SQLite file: found by its receipt in any case, the money
back to suspense, to another child or voided, once; above the school's amount, a request for the head; every
refusal in one line."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.balances import total_owed
from ledger.books.tables import Payment, PaymentSource
from ledger.db import make_engine, transaction
from ledger.messaging.bus import session_factory
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from ledger.staff.approvals import RequestStatus, ReversalRequest
from ledger.staff.audit import AuditEntry
from tests.e2e import test_cli
from tests.e2e.test_cli import FEES, STUDENTS, Karo, one_line_refusal, write

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school


@pytest.fixture
def books(kilimani: Karo, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Kilimani invoiced for 2026-1; Wanjiku (2101, owing 26,500) paid 5,000 by M-Pesa, 15,000 by cheque."""
    for kind, text in (("students", STUDENTS), ("fees", FEES)):
        assert (
            kilimani("import", kind, write(tmp_path, f"{kind}.csv", text), "--school", "kilimani").exit_code
            == 0
        )
    assert kilimani("invoice", "--school", "kilimani", "--term", "2026-1").exit_code == 0
    engine = make_engine(os.environ["KARO_DATABASE_URL"])
    factory = session_factory(engine)
    with transaction(factory) as session:
        school = session.scalars(select(School)).one()
        wanjiku = session.scalars(select(Student).where(Student.admission_no == "2101")).one()
        for source, ref, amount in (
            (PaymentSource.MPESA_PAYBILL, "QK12AB34CD", 5_000_00),
            (PaymentSource.CHEQUE, "CHQ-0042", 15_000_00),
        ):
            received = Received(source, ref, amount, dt.date(2026, 1, 20), "2101")
            record_payment(session, school.id, received, wanjiku, actor="t")
    yield factory
    engine.dispose()


def owed(books: sessionmaker[Session], adm: str) -> int:
    with books() as session:  # closed at once: SQLite has one writer, and the command is one
        return total_owed(
            session, session.scalars(select(Student.id).where(Student.admission_no == adm)).one()
        )


def requests(books: sessionmaker[Session]) -> list[ReversalRequest]:
    with books() as session:
        return list(session.scalars(select(ReversalRequest)))


def test_a_payment_goes_back_to_suspense_found_by_its_receipt_in_any_case(
    kilimani: Karo, books: sessionmaker[Session]
) -> None:
    assert owed(books, "2101") == 6_500_00
    done = kilimani(
        "payment", "reverse", "--school", "kilimani", "--receipt", " qk12ab34cd", "--reason", "wrong child"
    )
    assert done.exit_code == 0, done.output
    assert done.output == "Reversed M-Pesa QK12AB34CD (KES 5,000.00): back in suspense\n"
    assert owed(books, "2101") == 11_500_00
    with books() as session:
        payment = session.scalars(select(Payment).where(Payment.reference == "QK12AB34CD")).one()
        assert payment.student_id is None  # allocatable again from the suspense page
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "reversal.request")).one()
        assert audited.actor.startswith("cli:") and audited.after["reason"] == "wrong child"
    again = kilimani(
        "payment", "reverse", "--school", "kilimani", "--receipt", "QK12AB34CD", "--reason", "wrong  child"
    )
    assert again.output.startswith("Asked already (request #1): Reversed M-Pesa QK12AB34CD")
    assert owed(books, "2101") == 11_500_00


def test_a_payment_moves_to_another_child_or_is_voided(kilimani: Karo, books: sessionmaker[Session]) -> None:
    moved = kilimani(
        "payment",
        "reverse",
        "--school",
        "kilimani",
        "--receipt",
        "QK12AB34CD",
        "--reason",
        "paid for Otieno",
        "--to-student",
        "2102",
    )
    assert moved.output == "Reversed M-Pesa QK12AB34CD (KES 5,000.00): moved to 2102\n", moved.output
    assert (owed(books, "2101"), owed(books, "2102")) == (11_500_00, 21_500_00)
    voided = kilimani(
        "payment",
        "reverse",
        "--school",
        "kilimani",
        "--receipt",
        "QK12AB34CD",
        "--reason",
        "bounced",
        "--void",
    )
    assert voided.output == "Reversed M-Pesa QK12AB34CD (KES 5,000.00): voided\n", voided.output
    assert owed(books, "2102") == 26_500_00


def test_above_the_schools_amount_it_waits_for_the_head(kilimani: Karo, books: sessionmaker[Session]) -> None:
    asked = kilimani(
        "payment",
        "reverse",
        "--school",
        "kilimani",
        "--receipt",
        "CHQ-0042",
        "--reason",
        "cheque bounced",
        "--void",
    )
    assert asked.exit_code == 0, asked.output
    assert asked.output == (
        "Waiting for the head: reversing Cheque CHQ-0042 (KES 15,000.00) is above KES 10,000.00, so "
        "request #1 needs the head's approval on the dashboard (Approvals)\n"
    )
    assert owed(books, "2101") == 6_500_00  # nothing reversed yet
    assert [r.status for r in requests(books)] == [RequestStatus.PENDING]


BAD = [
    (["--receipt", "QK00", "--reason", "x"], "no payment with receipt or reference QK00"),
    (["--receipt", "QK12AB34CD", "--reason", "  "], "give a reason"),
    (["--receipt", "QK12AB34CD", "--reason", "x", "--void", "--to-student", "2102"], "choose one of"),
    (["--receipt", "QK12AB34CD", "--reason", "x", "--to-student", "9999"], "no student with admission"),
    (["--receipt", "QK12AB34CD", "--reason", "x", "--to-student", "2101"], "already 2101's"),
    (["--receipt", "QK12AB34CD", "--reason", "x" * 201], "longer than 200"),
    (["--receipt", "QK12AB34CD"], "--reason"),
]


def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    kilimani: Karo, books: sessionmaker[Session]
) -> None:
    for options, says in BAD:
        refused = kilimani("payment", "reverse", "--school", "kilimani", *options)
        assert says in one_line_refusal(refused, code=1 if "--reason" in options else 2), options
    assert owed(books, "2101") == 6_500_00
    assert requests(books) == []
