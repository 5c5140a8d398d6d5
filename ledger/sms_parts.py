"""How many SMS parts a text is billed as, and the text made as cheap to send as its meaning allows.

The one counter for the ledger's notices and reminders and the flows' replies (the flows may read this module:
it imports only the standard library). GSM 03.38 7-bit: 160 septets alone, 153 a part, the extension
characters (``^{}\\[~]|€`` and form feed) taking two. One character outside it makes the whole message UCS-2:
70 alone, 67 a part. Typographic punctuation pasted from a word processor (’ “ – … no-break space) has a GSM-7
equivalent, so it is replaced before counting and before sending (bot.outbox.dispatcher), never paid for as
UCS-2.
"""

from __future__ import annotations

import unicodedata

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("\f^{}\\[~]|€")  # sent as ESC + char: two septets each
MAX_PARTS = 2  # what every family message is written to fit

_GSM7 = (160, 153)
_UCS2 = (70, 67)
_TYPOGRAPHIC = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02b9\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u205f\u3000\t", " "),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),  # invisible: soft hyphen, zero widths
        "\u2026": "...",
        "\u2022": "-",
    }
)


def gsm_friendly(text: str) -> str:
    """The text with typographic characters replaced by their GSM-7 equivalents; anything else is kept."""
    return text.translate(_TYPOGRAPHIC)


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 7-bit basic set or its extension table."""
    return all(c in BASIC or c in EXTENSION for c in text)


def gsm7_length(text: str) -> int:
    """Septets the text takes: extension characters (``[``, ``€`` ...) count twice."""
    return sum(2 if c in EXTENSION else 1 for c in text)


def sms_segments(text: str) -> int:
    """SMS parts the text is billed as once sent (after gsm_friendly): GSM-7 160/153, else UCS-2 70/67."""
    sent = gsm_friendly(text)
    if is_gsm7(sent):
        length, (single, part) = gsm7_length(sent), _GSM7
    else:
        length, (single, part) = len(sent.encode("utf-16-le")) // 2, _UCS2
    return 1 if length <= single else -(-length // part)


def fits(text: str, parts: int = MAX_PARTS) -> bool:
    return sms_segments(text) <= parts


def folded(text: str) -> str:
    """The text in GSM-7 alone, accents dropped (ĩ -> i, ũ -> u) and anything else without an equivalent
    shown as ``?``: the last resort of a message that would not fit two parts as UCS-2."""
    kept = []
    for c in gsm_friendly(text):
        if c not in BASIC and c not in EXTENSION:
            c = "".join(d for d in unicodedata.normalize("NFKD", c) if d in BASIC) or "?"
        kept.append(c)
    return "".join(kept)


def within(text: str, parts: int = MAX_PARTS) -> str:
    """The text as written when it fits ``parts``, else folded to GSM-7 (a name's ũ costs no extra parts)."""
    return text if fits(text, parts) else folded(text)
