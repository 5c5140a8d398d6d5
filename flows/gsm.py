"""The GSM 03.38 7-bit alphabet: what a USSD screen or a plain SMS may carry without switching to UCS-2."""

from __future__ import annotations

import re
import unicodedata

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("\f^{}\\[~]|€")  # sent as ESC + char: two septets each

# What people paste into names and memos, mapped to the nearest plain character.
_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u02bc": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\t": " ",
        "\n": " ",
        "\r": " ",
    }
)
# Plain text for telcos that mangle anything beyond ASCII: the ASCII part of the basic set.
_PLAIN = frozenset(c for c in BASIC if c.isascii() and c not in "\n\r")
_SPACES = re.compile(r" {2,}")


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 7-bit basic set or its extension table."""
    return all(c in BASIC or c in EXTENSION for c in text)


def gsm7_length(text: str) -> int:
    """Septets the text takes: extension characters (``[``, ``€`` ...) count twice."""
    return sum(2 if c in EXTENSION else 1 for c in text)


def plain(text: str) -> str:
    """Data from the records (names, memos) made safe for a screen: accents dropped, quotes straightened,
    anything else outside plain GSM-7 removed, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
    kept = "".join(c for c in folded if c in _PLAIN)
    return _SPACES.sub(" ", kept).strip()


def sms_segments(text: str) -> int:
    """SMS parts the text is billed as: GSM-7 160 alone or 153 per part; otherwise UCS-2 70 or 67."""
    if is_gsm7(text):
        length, single, part = gsm7_length(text), 160, 153
    else:
        length, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if length <= single else -(-length // part)
