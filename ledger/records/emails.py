"""Guardians' email addresses: what counts as one, and changing one (which forgets an earlier bounce)."""

from __future__ import annotations

import re

from ledger.errors import LedgerError
from ledger.records.tables import Guardian

# Deliberately loose (one @, a dot in the domain, no spaces): the mail server is the judge of the rest,
# and a bounce sends the family's messages back to SMS.
_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


class InvalidEmail(LedgerError):
    """Not an email address."""


def clean_email(text: str | None) -> str | None:
    """The address as stored (trimmed; the domain in lower case), None for blank; ``InvalidEmail`` else."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 254 or not _ADDRESS.fullmatch(text):
        raise InvalidEmail(f"{text!r} is not an email address")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def set_email(guardian: Guardian, address: str | None) -> bool:
    """Give the guardian this (clean) address, None to remove it; a new address has not bounced.
    Returns whether it changed."""
    if address == guardian.email:
        return False
    guardian.email, guardian.email_bounced_at = address, None
    return True
