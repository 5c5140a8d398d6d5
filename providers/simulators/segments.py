"""How many SMS segments a text takes, as the networks count them: GSM-7 160/153, else UCS-2 70/67."""

from __future__ import annotations

import math

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # each takes two septets


def sms_segments(text: str) -> int:
    """Segments for ``text``: one character outside GSM-7 makes the whole message UCS-2."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units, single, multi = sum(2 if c in GSM7_EXTENSION else 1 for c in text), 160, 153
    else:
        units, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)
