"""Replies sent as text messages: kept within two SMS segments, as ledger.sms_parts counts them.

A keyword reply has no 160-character screen to fit, but every extra segment is paid for and may arrive out
of order, so a reply is built to fit two, and shortened as a last resort.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ledger.sms_parts import MAX_PARTS as MAX_SEGMENTS
from ledger.sms_parts import fits

_ELLIPSIS = ".."


def shorten(text: str) -> str:
    """The text cut to two segments, marked with ``..``: the last resort for unusually long records."""
    if fits(text):
        return text
    keep = min(len(text), 153 * MAX_SEGMENTS)
    while keep and not fits(text[:keep].rstrip() + _ELLIPSIS):
        keep -= 1
    return text[:keep].rstrip() + _ELLIPSIS


def first_fitting(candidates: Iterable[str]) -> str:
    """The first candidate (longest first, by convention) that fits; else the last one, shortened."""
    last = ""
    for candidate in candidates:
        if fits(candidate):
            return candidate
        last = candidate
    return shorten(last)


def whole_lines(lines: Sequence[str], tail: str | None = None) -> str:
    """As many of ``lines`` as fit with ``tail`` after them; dropped lines are marked with ``..``."""

    def candidate(shown: int) -> str:
        cut = (_ELLIPSIS,) if shown < len(lines) else ()
        return "\n".join([*lines[:shown], *cut, *((tail,) if tail else ())])

    return first_fitting(candidate(shown) for shown in range(len(lines), 0, -1))
