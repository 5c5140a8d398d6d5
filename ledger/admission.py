"""Admission numbers as they are matched, wherever they come from: an import file, a Paybill account number,
an SMS keyword, a dashboard search or the STK prompt's AccountReference.

Kenyan schools write them with slashes, dashes, dots or spaces (``KJA/2024/001``, ``kja 2024-001``), and
parents type them however their phone lets them, so only letters and digits count, without case (DESIGN.md
section 5). Pure (stdlib only): the flows and the bot use it too.
"""

from __future__ import annotations

import re

MAX_ACCOUNT_REFERENCE = 12  # Daraja's AccountReference limit
_NOT_KEY = re.compile(r"[^0-9A-Z]")


def admission_key(text: str) -> str:
    """The key an admission number is stored and matched by: ASCII letters and digits, upper case."""
    return _NOT_KEY.sub("", text.upper())


def candidate_keys(typed: str, prefix: str | None) -> list[str]:
    """The keys an account number may mean, most literal first: as typed, then with the school's prefix
    left out when it was typed, or added when it was not."""
    key = admission_key(typed)
    if not key:
        return []
    stem = admission_key(prefix or "")
    if not stem:
        return [key]
    if key.startswith(stem):
        return [key, key[len(stem) :]] if len(key) > len(stem) else [key]
    return [key, stem + key]


def account_reference(admission_no: str) -> str:
    """The STK prompt's AccountReference: the key Paybill matches on, cut to Daraja's 12 characters."""
    return admission_key(admission_no)[:MAX_ACCOUNT_REFERENCE]
