"""Wording every family text shares, in both languages: how a date is written.

Its own module so receipts (notices), family notices and reminder texts all read it without reading each
other (they used to import one another in a circle).
"""

from __future__ import annotations

import datetime as dt

from ledger.records.tables import Language

MONTHS = {
    Language.EN: ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    Language.SW: ("Jan", "Feb", "Mac", "Apr", "Mei", "Jun", "Jul", "Ago", "Sep", "Okt", "Nov", "Des"),
}


def day(on: dt.date, language: Language) -> str:
    """``3 Feb 2026``; ``3 Ago 2026`` in Swahili."""
    return f"{on.day} {MONTHS[language][on.month - 1]} {on.year}"
