"""RECEIPT/RISITI: the family's latest official receipts, newest first, across all its children.

Each receipt is its number and date, then the amount, how it was paid and (for a phone with several
children) the child; a receipt whose payment was reversed keeps its number and is marked cancelled. With an
admission number only that child's receipts are listed. The reply names the newest receipt's payment
(``Screen.receipt_pdf``) so that a channel that carries documents sends its PDF along.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.family import Family
from flows.formatting import clip, long_date
from flows.keyword_reads import no_child
from flows.screen import Screen
from flows.segments import first_fitting
from flows.texts import TEXTS
from ledger.money import kes
from ledger.types import Receipt, StudentRef

LATEST = 3  # receipts in one reply


def receipts_reply(family: Family, args: Sequence[str]) -> str | Screen:
    """The latest receipts of the child the args name (all the phone's children when none)."""
    children = family.matching(args) if args else family.children
    if not children:
        return no_child(family, "receipts", args)
    found = latest(family, children)
    if not found:
        return family.t("receipts_none")
    named = len(family.children) > 1
    blocks = [receipt_lines(family, receipt, child if named else None) for receipt, child in found]

    def candidate(shown: int) -> str:
        return "\n".join([family.t("receipts_title"), *blocks[:shown]])

    text = first_fitting(candidate(shown) for shown in range(len(blocks), 0, -1))
    return Screen(text, receipt_pdf=found[0][0].payment_id)


def latest(family: Family, children: Sequence[StudentRef]) -> list[tuple[Receipt, StudentRef]]:
    """The newest ``LATEST`` receipts of these children together, newest first."""
    directory = family.ports.directory
    every = [
        (receipt, child)
        for child in children
        for receipt in directory.receipts(family.phone, child.id, limit=LATEST)
    ]
    every.sort(key=lambda found: (found[0].received_on, found[0].payment_id), reverse=True)
    return every[:LATEST]


def receipt_lines(family: Family, receipt: Receipt, child: StudentRef | None) -> str:
    """``KJA-2026-000012, 3 Dec 2026`` then ``KES 5,000 M-Pesa, Achieng Otieno, CANCELLED``."""
    method_key = f"method_{receipt.source}"
    method = family.t(method_key) if method_key in TEXTS["en"] else clip(receipt.source, 12)
    details = [f"{kes(receipt.amount)} {method}"]
    if child is not None:
        details.append(clip(child.name, 24))
    if receipt.reversed:
        details.append(family.t("receipt_cancelled"))
    heading = f"{clip(receipt.number, 24)}, {long_date(receipt.received_on, family.language)}"
    return f"{heading}\n{', '.join(details)}"
