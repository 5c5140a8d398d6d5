"""A student's fee statement as a PDF (A4 portrait), made with fpdf2 like the receipt (``receipt_pdf``).

The same read as the dashboard's printable page (``printed_statement``), so the page and the PDF a family
gets by email show the same lines and the same balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.documents.receipt_pdf import KaroPdf
from ledger.books.balances import student_balance
from ledger.books.statements import statement
from ledger.money import kes
from ledger.records.tables import Student
from ledger.types import Balance, Statement

PRINTED_LINES = 200  # a few years of a family's history on two or three pages
COLUMNS = (("Date", 24), ("Description", 74), ("Charged", 30), ("Paid", 30), ("Balance", 28))


@dataclass(frozen=True)
class Printed:
    """What a printed statement shows: the balance now (by vote head) and the latest lines."""

    balance: Balance
    statement: Statement


def printed_statement(session: Session, student: Student) -> Printed:
    return Printed(student_balance(session, student), statement(session, student, limit=PRINTED_LINES))


class _Sheet(KaroPdf):
    def row(self, cells: tuple[str, ...], *, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", 9)
        for index, (text, (_, width)) in enumerate(zip(cells, COLUMNS, strict=True)):
            self.cell(width, 6, self.text_of(text)[:44], align="L" if index < 2 else "R")
        self.ln(6)


def _money(cents: int) -> str:
    return kes(cents, label=False) if cents else ""


def statement_pdf(printed: Printed, school: str, paybill: str | None, today: dt.date) -> bytes:
    """The statement as PDF bytes: letterhead, the child, every line with its running balance, the total."""
    student, balance = printed.statement.student, printed.balance
    pdf = _Sheet("A4")
    pdf.set_title(f"Statement {student.admission_no}")
    pdf.set_creator("Karo")
    pdf.add_page()
    pdf.para(school, size=15, bold=True, height=8)
    pay = f" - Paybill {paybill}, account {student.admission_no}" if paybill else ""
    pdf.para(f"FEE STATEMENT as at {today.strftime('%d %B %Y')}{pay}", size=10, bold=True)
    pdf.para(f"{student.name} ({student.admission_no}), {student.class_name}")
    pdf.ln(2)
    pdf.row(tuple(name for name, _ in COLUMNS), bold=True)
    pdf.row(("", "Brought forward", "", "", kes(printed.statement.opening, label=False)))
    for line in printed.statement.lines:
        described = f"{line.description} {line.receipt}" if line.receipt else line.description
        on = line.on.strftime("%d %b %Y")
        pdf.row((on, described, _money(line.charged), _money(line.paid), kes(line.balance, label=False)))
    pdf.ln(3)
    owed = f"In credit {kes(-balance.total)}" if balance.total < 0 else f"Balance due {kes(balance.total)}"
    pdf.para(owed, size=12, bold=True)
    if balance.by_vote_head:
        pdf.para(" - ".join(f"{head.vote_head} {kes(head.balance)}" for head in balance.by_vote_head), size=9)
    return bytes(pdf.output())
