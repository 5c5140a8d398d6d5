"""Cents written as people read them, one rule for every screen, SMS, import report and CLI line.

Pure (stdlib only) so the flows may read it too (tests/unit/test_architecture.py): a parent's USSD screen
and the receipt SMS the books write must show the same figure for the same cents.
"""

from __future__ import annotations


def kes(cents: int, *, label: bool = True, always_cents: bool = False) -> str:
    """``150050`` -> ``KES 1,500.50``; ``150000`` -> ``KES 1,500``.

    ``label=False`` drops the ``KES `` (texts that print it themselves, a statement's column of figures);
    ``always_cents=True`` keeps ``.00`` on whole shillings, as a bursar's import report and CLI lines read.
    Integer arithmetic only, never a float; the sign comes after the label (``KES -1,500``).
    """
    sign = "-" if cents < 0 else ""
    shillings, rest = divmod(abs(cents), 100)
    figure = f"{sign}{shillings:,}" + (f".{rest:02d}" if rest or always_cents else "")
    return f"KES {figure}" if label else figure
