"""Money, dates, phones and record data written the way a parent reads them on a small screen."""

from __future__ import annotations

import datetime as dt
import math
import re

from flows.gsm import plain
from flows.texts import MONTHS, language_or_default, text
from ledger.money import kes

_KENYAN_MOBILE = re.compile(r"^\+254(\d{3})(\d{3})(\d{3})$")


def balance_line(language: str, cents: int) -> str:
    """``Balance KES 12,500``, or ``Credit KES 2,000`` when the family has paid ahead."""
    if cents < 0:
        return text(language, "credit", amount=kes(-cents))
    return text(language, "owed", amount=kes(cents))


def short_date(on: dt.date, language: str) -> str:
    return f"{on.day} {MONTHS[language_or_default(language)][on.month - 1]}"


def long_date(on: dt.date, language: str) -> str:
    return f"{short_date(on, language)} {on.year}"


def local_phone(e164: str) -> str:
    """``+254712345678`` -> ``0712 345 678``; any other number as it came, made plain."""
    match = _KENYAN_MOBILE.match(e164)
    return "0{} {} {}".format(*match.groups()) if match else clip(e164, 16)


def clip(value: str, limit: int) -> str:
    """Record data (a name, a memo) made GSM-7 plain and cut to ``limit`` characters."""
    cleaned = plain(value)
    if len(cleaned) <= limit:
        return cleaned
    return cleaned[: limit - 1].rstrip(" -,.'/&") + "."


def decimal(value: float) -> str:
    """``92.0`` -> ``92``, ``62.46`` -> ``62.5``."""
    if not math.isfinite(value):
        return "-"
    rounded = round(value, 1)
    return f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.1f}"


def term_label(code: str, language: str) -> str:
    """``2026-1`` -> ``Term 1 2026`` (``Muhula 1 2026``)."""
    year, _, number = code.partition("-")
    if year.isdigit() and number.isdigit():
        return text(language, "term", number=int(number), year=year)
    return clip(code, 12)
