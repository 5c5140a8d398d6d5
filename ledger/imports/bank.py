"""A bank statement: its deposits become payments, matched to a student by the admission number found in
the reference or description (the Paybill's normaliser), else into suspense; debits and charges are
ignored; a line seen before (the same bank reference, in this file or an earlier, overlapping one) is
never posted twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ledger.admission import candidate_keys
from ledger.books.tables import Payment, PaymentSource
from ledger.imports.core import (
    BadRow,
    Importer,
    ImportRefused,
    ImportReport,
    ImportScope,
    Row,
    RowChange,
    RowError,
    after_preamble,
)
from ledger.imports.fields import amount_cents, date_value
from ledger.imports.lookups import students_by_key
from ledger.payments.bank_layouts import LAYOUTS, BankLayout, layout_for, layout_named
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student

KIND = "bank"
HEADER_SEARCH = 30  # lines about the account a bank puts before the header, at most
MAX_REFERENCE = 40  # payments.reference
_WORDS = re.compile(r"[A-Za-z0-9/\-.]+")
_MONTH_NAMED = ("%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%d/%m/%y")


@dataclass(frozen=True)
class Deposit:
    on: dt.date
    reference: str
    description: str
    amount: int
    student: Student | None  # None: suspense


@dataclass(frozen=True)
class Skipped:
    """A line that posts nothing: a debit, a charge, or money seen before."""


class BankImport(Importer[Deposit | Skipped]):
    required = ("date", "description", "amount")
    optional = ("reference",)

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        self.seen = set(
            ctx.session.scalars(select(Payment.reference).where(Payment.school_id == ctx.school.id))
        )
        self.in_file: dict[str, tuple[int, int]] = {}  # reference -> (line, amount)
        self.repeats: dict[tuple[dt.date, str, int], int] = {}

    def rows(self, kind: str, text: str) -> Iterator[Row]:
        found = after_preamble(text, lambda header: self._layout(header) is not None, HEADER_SEARCH)
        if found is None:
            raise ImportRefused(ImportReport(kind, 0, errors=(RowError(1, self._no_header()),)))
        header, reader = found
        layout = self._layout(header)
        assert layout is not None
        return self._mapped(reader, header, layout)

    def _layout(self, header: list[str]) -> BankLayout | None:
        if self.ctx.layout is None:
            return layout_for(header)
        named = layout_named(self.ctx.layout)
        if named is None:
            message = f"unknown bank layout {self.ctx.layout!r}; choose one of {', '.join(LAYOUTS)}"
            raise ImportRefused(ImportReport(KIND, 0), message)
        return named if named.fits(header) else None

    def _no_header(self) -> str:
        wanted = f"the {self.ctx.layout} layout's" if self.ctx.layout else "a bank statement's"
        return (
            f"no header row with {wanted} columns in the first {HEADER_SEARCH} lines; the generic layout "
            f"is date,reference,description,amount (named layouts: {', '.join(LAYOUTS)})"
        )

    def _mapped(self, reader: Iterator[list[str]], header: list[str], layout: BankLayout) -> Iterator[Row]:
        def cell(values: dict[str, str], names: tuple[str, ...]) -> str:
            column = layout.pick(header, names)
            return (values.get(column) or "").strip() if column else ""

        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values = dict(zip(header, cells, strict=False))
            money_in, money_out = cell(values, layout.money_in), cell(values, layout.money_out)
            amount = cell(values, layout.amount) if layout.amount else _signed(money_in, money_out)
            mapped = {
                "date": cell(values, layout.date),
                "reference": cell(values, layout.reference),
                "description": cell(values, layout.description),
                "amount": amount,
            }
            overflow = any(c.strip() for c in cells[len(header) :])
            yield Row(reader.line_num, mapped, overflow)  # type: ignore[attr-defined]

    def check(self, row: Row) -> Deposit | Skipped:
        if not row.get("amount"):
            return Skipped()  # a line with no money (an opening balance, a note)
        amount = amount_cents(row.get("amount"))
        if amount <= 0:
            return Skipped()  # money out: charges, transfers, cheques the school wrote
        on = _bank_date(row.get("date"))
        description = " ".join(row.get("description").split())
        reference = self._reference(row, on, description, amount)
        earlier = self.in_file.setdefault(reference, (row.line, amount))
        if earlier != (row.line, amount):
            if earlier[1] != amount:
                raise BadRow(f"reference {reference} is also on line {earlier[0]} with another amount")
            return Skipped()  # the same line twice
        if reference in self.seen:
            return Skipped()  # posted from an earlier statement
        return Deposit(on, reference, description, amount, self._student(row.get("reference"), description))

    def _reference(self, row: Row, on: dt.date, description: str, amount: int) -> str:
        typed = " ".join(row.get("reference").split()).upper()
        if typed and len(typed) <= MAX_REFERENCE:
            return typed
        # No reference (or one too long to keep): the line's own fingerprint. Identical lines on one day
        # are told apart by their order, which an overlapping statement repeats.
        repeat = self.repeats.get((on, description, amount), 0)
        self.repeats[on, description, amount] = repeat + 1
        seed = f"{on.isoformat()}|{description}|{amount}|{repeat}|{typed}"
        return "BANK-" + hashlib.sha256(seed.encode()).hexdigest()[:16].upper()

    def _student(self, reference: str, description: str) -> Student | None:
        """The one student whose admission number the line names (typed in up to three words, as
        ``kja 2026 002``); None when it names none, or several."""
        words = _WORDS.findall(f"{reference} {description}")
        typed = ("".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1))
        found = {
            student.id: student
            for text in typed
            for key in candidate_keys(text, self.ctx.school.admission_prefix)
            if (student := self.students.get(key)) is not None
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def apply(self, plan: Deposit | Skipped) -> RowChange:
        if isinstance(plan, Skipped):
            return RowChange.UNCHANGED
        received = Received(
            PaymentSource.BANK,
            plan.reference,
            plan.amount,
            plan.on,
            account_text=plan.description[:40] or None,
        )
        record_payment(self.ctx.session, self.ctx.school.id, received, plan.student, actor=self.ctx.actor)
        return RowChange.CREATED


def _signed(money_in: str, money_out: str) -> str:
    """One signed amount from money in and money out columns (either may be blank)."""
    if money_in and money_in.strip("0.,- ") and not money_out.strip("0.,- "):
        return money_in.lstrip("+")
    if money_out.strip("0.,- "):
        return "-" + money_out.lstrip("-+")
    return ""


def _bank_date(text: str) -> dt.date:
    """YYYY-MM-DD or DD/MM/YYYY as every import reads them, or the month-named forms banks print."""
    try:
        return date_value(text)
    except BadRow:
        for form in _MONTH_NAMED:
            try:
                return dt.datetime.strptime(text.strip(), form).date()
            except ValueError:
                continue
        raise
