"""Bank statement layouts: which column of a bank's CSV export holds the date, the reference, the
description and the money (one signed amount, or money in and money out apart).

A layout is a small mapping: adding a bank is adding one entry here. Header names are compared as the
imports compare them (case, spaces and dashes ignored). ``generic`` is DESIGN §7's
``date,reference,description,amount``; the named ones follow the column names these banks' internet
banking exports use, as far as public samples show them (check one real export of a school's bank before
relying on a named layout; the generic one is the contract). A bank export often starts with a few lines
about the account before the header: those are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BankLayout:
    name: str
    date: tuple[str, ...]  # each field: the header names it may have, in this layout
    description: tuple[str, ...]
    reference: tuple[str, ...] = ()  # none: a line's reference is made from its date, text and amount
    amount: tuple[str, ...] = ()  # one signed column (deposits positive) ...
    money_in: tuple[str, ...] = ()  # ... or money in and money out apart
    money_out: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # columns the layout has that Karo does not read (balances, value dates)

    def columns(self) -> tuple[str, ...]:
        return self.date + self.description + self.reference + self.amount + self.money_in + self.money_out

    def fits(self, header: Sequence[str]) -> bool:
        """Whether a header row is this layout's: one of each field's names, and nothing unknown."""
        present = set(header) - {""}
        fields = [self.date, self.description, self.amount or self.money_in]
        if self.reference:
            fields.append(self.reference)
        return all(present & set(names) for names in fields) and present <= set(self.columns() + self.ignored)

    def pick(self, header: Sequence[str], names: tuple[str, ...]) -> str | None:
        """The header name this file uses for a field (None: the layout has no such field)."""
        return next((name for name in names if name in header), None)


LAYOUTS = {
    layout.name: layout
    for layout in (
        BankLayout("generic", ("date",), ("description",), ("reference",), amount=("amount",)),
        BankLayout(
            "equity",
            ("transaction_date", "date"),
            ("narrative", "description", "particulars"),
            ("transaction_reference", "reference", "ref_no"),
            money_in=("credit", "money_in"),
            money_out=("debit", "money_out"),
            ignored=("value_date", "balance", "running_balance"),
        ),
        BankLayout(
            "kcb",
            ("transaction_date", "txn_date"),
            ("transaction_details", "description"),
            ("bank_reference", "reference_number", "reference"),
            money_in=("money_in", "credit"),
            money_out=("money_out", "debit"),
            ignored=("value_date", "ledger_balance", "balance"),
        ),
        BankLayout(
            "coop",
            ("posting_date", "transaction_date"),
            ("narrative", "transaction_details"),
            ("reference", "cheque_no", "transaction_reference"),
            money_in=("credit", "credit_amount"),
            money_out=("debit", "debit_amount"),
            ignored=("value_date", "book_balance", "balance"),
        ),
        BankLayout(
            "ncba",
            ("transaction_date", "date"),
            ("description", "narration"),
            ("reference", "transaction_id"),
            money_in=("credit", "deposits"),
            money_out=("debit", "withdrawals"),
            ignored=("value_date", "balance", "closing_balance"),
        ),
        BankLayout(
            "absa",
            ("date", "transaction_date"),
            ("description", "transaction_description"),
            ("reference",),
            amount=("amount",),
            ignored=("balance", "value_date"),
        ),
    )
}


def layout_named(name: str) -> BankLayout | None:
    return LAYOUTS.get(name.strip().lower())


def layout_for(header: Sequence[str]) -> BankLayout | None:
    """The first layout the header fits (generic first), or None."""
    return next((layout for layout in LAYOUTS.values() if layout.fits(header)), None)
