"""The Paybill's own statement (the M-Pesa org portal's CSV export), reconciled with Karo's books.

Every receipt Karo never heard of (a C2B confirmation that was lost) is posted, to the child its account
number names or to suspense; every M-Pesa payment Karo holds for the statement's days that the statement
does not show is flagged for the bursar to look into. Money out (charges, transfers to the bank) and
transactions not completed are left alone. This is how a school finds the money its callbacks lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

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
    data_rows,
)
from ledger.imports.fields import amount_cents
from ledger.payments.paybill import match_account
from ledger.payments.recording import Received, record_payment

KIND = "mpesa-statement"
# The org portal's columns, as ledger.imports.core.header_name reads them.
RECEIPT, COMPLETED, PAID_IN = "receipt_no", "completion_time", "paid_in"
COLUMNS = (
    RECEIPT,
    COMPLETED,
    "initiation_time",
    "details",
    "transaction_status",
    PAID_IN,
    "withdrawn",
    "balance",
    "balance_confirmed",
    "reason_type",
    "other_party_info",
    "linked_transaction_id",
    "a/c_no",
)
_TIMES: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S")
_TIMES += ("%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


@dataclass(frozen=True)
class Receipt:
    """A completed payment into the Paybill, as the statement shows it."""

    number: str
    on: dt.date
    amount: int
    account: str
    payer: str


@dataclass(frozen=True)
class Elsewhere:
    """A line that is no payment in: money out, a charge, a transaction not completed."""

    on: dt.date | None


class MpesaStatementImport(Importer[Receipt | Elsewhere]):
    required = (RECEIPT, COMPLETED, PAID_IN)
    optional = tuple(column for column in COLUMNS if column not in (RECEIPT, COMPLETED, PAID_IN))

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        known = select(Payment.reference).where(Payment.school_id == ctx.school.id)
        self.known = set(ctx.session.scalars(known))
        self.in_file: dict[str, int] = {}

    def rows(self, kind: str, text: str) -> Iterator[Row]:
        found = after_preamble(text, lambda header: all(name in header for name in self.required))
        if found is None:
            reason = "no header row with an M-Pesa statement's Receipt No., Completion Time, Paid In"
            raise ImportRefused(ImportReport(kind, 0, errors=(RowError(1, reason),)))
        header, reader = found
        return data_rows(reader, header)

    def check(self, row: Row) -> Receipt | Elsewhere:
        on = _day(row.get(COMPLETED))
        paid_in = row.get(PAID_IN).replace(" ", "")
        completed = row.get("transaction_status").casefold() in ("", "completed")
        if not completed or not paid_in.strip("0.,-") or paid_in.startswith("-"):
            return Elsewhere(on)
        number = row.get(RECEIPT).upper()
        if not number.isalnum() or len(number) > 20:
            raise BadRow(f"Receipt No. {row.get(RECEIPT)!r} is not an M-Pesa receipt number")
        earlier = self.in_file.setdefault(number, row.line)
        if earlier != row.line:
            raise BadRow(f"receipt {number} is also on line {earlier}")
        amount = amount_cents(paid_in, "Paid In")
        return Receipt(number, on, amount, row.get("a/c_no")[:40], _payer(row.get("other_party_info")))

    def apply(self, plan: Receipt | Elsewhere) -> RowChange:
        if isinstance(plan, Elsewhere) or plan.number in self.known:
            return RowChange.UNCHANGED
        _, student = match_account(self.ctx.session, [self.ctx.school], plan.account)
        received = Received(
            PaymentSource.MPESA_PAYBILL, plan.number, plan.amount, plan.on, plan.account or None, plan.payer
        )
        record_payment(self.ctx.session, self.ctx.school.id, received, student, actor=self.ctx.actor)
        return RowChange.CREATED

    def apply_all(self, plans: list[Receipt | Elsewhere]) -> list[RowChange]:
        changes = super().apply_all(plans)
        days = [plan.on for plan in plans if plan.on is not None]
        if days:
            shown = {plan.number for plan in plans if isinstance(plan, Receipt)}
            self.missing = flag_missing(self.ctx, min(days), max(days), shown)
        return changes

    missing: tuple[str, ...] = ()

    def notes(self) -> tuple[str, ...]:
        if not self.missing:
            return ()
        return (f"Not on the statement, flagged for review on the suspense page: {', '.join(self.missing)}",)


def flag_missing(ctx: ImportScope, first: dt.date, last: dt.date, shown: set[str]) -> tuple[str, ...]:
    """Mark Karo's M-Pesa payments of those days that the statement does not show; their references."""
    held = ctx.session.scalars(
        select(Payment).where(
            Payment.school_id == ctx.school.id,
            Payment.source.in_((PaymentSource.MPESA_STK, PaymentSource.MPESA_PAYBILL)),
            Payment.received_on >= first,
            Payment.received_on <= last,
        )
    )
    missing = [payment for payment in held if payment.reference not in shown]
    for payment in missing:
        payment.review_reason = f"not on the M-Pesa statement of {first.isoformat()} to {last.isoformat()}"
    return tuple(payment.reference for payment in missing)


def _day(text: str) -> dt.date:
    cleaned = " ".join(text.split())
    for form in _TIMES:
        try:
            return dt.datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    raise BadRow(f"Completion Time {text.strip()!r} is not a date and time (like 2026-02-03 14:22:05)")


def _payer(other_party: str) -> str:
    """``254712345678 - JOHN DOE`` -> ``JOHN DOE``: the name, never the phone number, is kept."""
    name = other_party.rpartition(" - ")[2] if " - " in other_party else ""
    return " ".join(name.split())[:120]
