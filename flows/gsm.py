"""The GSM 03.38 7-bit alphabet: what a USSD screen or a plain SMS may carry without switching to UCS-2.

The alphabet and the SMS part counter are the ledger's (ledger.sms_parts, one copy for notices and replies);
this module adds what screens need on top: record data made plain.
"""

from __future__ import annotations

import re
import unicodedata

from ledger.sms_parts import BASIC, EXTENSION, gsm7_length, gsm_friendly, is_gsm7, sms_segments

__all__ = ["BASIC", "EXTENSION", "gsm7_length", "is_gsm7", "plain", "sms_segments"]

_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " "})
# Plain text for telcos that mangle anything beyond ASCII: the ASCII part of the basic set.
_PLAIN = frozenset(c for c in BASIC if c.isascii() and c not in "\n\r")
_SPACES = re.compile(r" {2,}")


def plain(text: str) -> str:
    """Data from the records (names, memos) made safe for a screen: accents dropped, quotes straightened,
    anything else outside plain GSM-7 removed, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", gsm_friendly(text).translate(_LINE_BREAKS))
    kept = "".join(c for c in decomposed if c in _PLAIN)
    return _SPACES.sub(" ", kept).strip()
