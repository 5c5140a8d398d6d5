"""Reading one cell of an import row: amounts, dates, languages, admission numbers and plain text.

Each parser raises BadRow with words a bursar can act on; the row's line number is added by the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ledger.admission import admission_key as admission_key  # the one normaliser, re-exported
from ledger.imports.core import BadRow
from ledger.money import kes
from ledger.records.tables import Language
from ledger.types import MAX_AMOUNT_CENTS

# Commas only as thousands separators, so "1,50" (a European decimal comma) is refused, not read as 150.
_AMOUNT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?")
_CURRENCY = re.compile(r"^(kes|ksh|kshs)\.?\s*", re.IGNORECASE)
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_LANGUAGES = {
    "en": Language.EN,
    "eng": Language.EN,
    "english": Language.EN,
    "sw": Language.SW,
    "swa": Language.SW,
    "kiswahili": Language.SW,
    "swahili": Language.SW,
}


def amount_cents(text: str, column: str = "amount") -> int:
    """KES with up to 2 decimals ("1,500.50", "KES 200", "-300") as integer cents, through Decimal;
    either way at most MAX_AMOUNT_CENTS."""
    cleaned = _CURRENCY.sub("", text.strip()).replace(" ", "")
    if not cleaned:
        raise BadRow(f"{column} is empty")
    if not _AMOUNT.fullmatch(cleaned):
        raise BadRow(f"{column} {text.strip()!r} is not an amount in KES (like 1500 or 1,500.50)")
    cents = int(Decimal(cleaned.replace(",", "")) * 100)
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise BadRow(
            f"{column} is more than {kes(MAX_AMOUNT_CENTS, always_cents=True)}, the most one row may hold"
        )
    return cents


def date_value(text: str, column: str = "date") -> dt.date:
    """A date as YYYY-MM-DD, or DD/MM/YYYY as spreadsheets in Kenya often write it."""
    cleaned = text.strip()
    if not cleaned:
        raise BadRow(f"{column} is empty")
    day_first = _DAY_FIRST.fullmatch(cleaned)
    try:
        if day_first:
            return dt.date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            return dt.date.fromisoformat(cleaned)
    except ValueError:
        raise BadRow(f"{column} {cleaned!r} is not a real date") from None
    raise BadRow(f"{column} {cleaned!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-01-15)")


def language_value(text: str) -> Language | None:
    """en or sw (also English, Kiswahili); None when the cell is empty."""
    cleaned = text.strip().casefold()
    if not cleaned:
        return None
    if cleaned not in _LANGUAGES:
        raise BadRow(f"language {text.strip()!r} is not known; use en (English) or sw (Kiswahili)")
    return _LANGUAGES[cleaned]


def text_value(text: str, column: str, max_length: int) -> str:
    """A required piece of text with its inner spaces tidied, refused when empty or too long."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BadRow(f"{column} is empty")
    if len(cleaned) > max_length:
        raise BadRow(f"{column} is longer than {max_length} characters")
    return cleaned
