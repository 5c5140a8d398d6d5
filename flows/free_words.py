"""Free words: what parents write instead of a keyword, in English and Kiswahili, where it is unambiguous.

``BALANCE``, ``how much do I owe?``, ``salio langu``, ``nadaiwa kiasi gani``, ``results``, ``matokeo ya
mtihani`` mean the keyword's action; an amount may be written ``KES 5,000``, ``Ksh5000``, ``5,000/=`` or
``5k``. A phrase is matched whole (case, punctuation and spacing aside), so a sentence that merely contains
one of these words ("I paid the balance yesterday") is no request and goes to the menu as before.
"""

from __future__ import annotations

import re

# Whole messages, lower case with punctuation turned into spaces -> (action, language).
PHRASES: dict[str, tuple[str, str]] = {
    **{
        phrase: ("balance", "en")
        for phrase in (
            "balance",
            "my balance",
            "fee balance",
            "fees balance",
            "school fees balance",
            "check balance",
            "check my balance",
            "what is my balance",
            "whats my balance",
            "how much do i owe",
            "how much do we owe",
            "how much is owed",
            "how much is left",
            "what do i owe",
        )
    },
    **{
        phrase: ("balance", "sw")
        for phrase in (
            "salio langu",
            "salio la karo",
            "angalia salio",
            "nadaiwa kiasi gani",
            "ninadaiwa kiasi gani",
            "nadaiwa ngapi",
            "ninadaiwa ngapi",
            "deni langu",
            "deni ni kiasi gani",
            "karo iliyobaki",
        )
    },
    **{
        phrase: ("results", "en")
        for phrase in ("results", "result", "my results", "exam results", "exam result", "marks")
    },
    **{phrase: ("results", "sw") for phrase in ("matokeo ya mtihani", "matokeo ya mitihani", "alama")},
    **{phrase: ("statement", "en") for phrase in ("statement", "fee statement", "fees statement")},
    **{phrase: ("statement", "sw") for phrase in ("taarifa ya malipo", "taarifa ya karo")},
    **{phrase: ("attendance", "en") for phrase in ("attendance", "my attendance")},
    **{phrase: ("receipts", "en") for phrase in ("receipts", "my receipt", "my receipts")},
    **{phrase: ("receipts", "sw") for phrase in ("risiti yangu", "risiti zangu")},
}
# Whole words after which the rest of the message is read as a keyword's words: "Balance 1001" is BAL
# 1001. (A phrase above is tried first; "payment" is no alias: "payment made" asks nothing.)
ALIASES: dict[str, tuple[str, str]] = {
    "BALANCE": ("balance", "en"),
    "RESULTS": ("results", "en"),
    "RESULT": ("results", "en"),
    "STATEMENT": ("statement", "en"),
    "ATTENDANCE": ("attendance", "en"),
    "RECEIPTS": ("receipts", "en"),
}
_NOT_WORD = re.compile(r"[^\w]+")
_CURRENCY = ("KSHS", "KSH", "KES", "SHS", "SH")
# 5000, 5,000, 5000.00, 5,000/=, 5k, 2.5k: whole shillings only
_AMOUNT = re.compile(r"(?P<n>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,9})(?:\.(?P<c>[0-9]{1,2}))?(?:/=|/-)?")
_THOUSANDS = re.compile(r"(?P<n>[0-9]{1,3})(?:\.(?P<f>[0-9]))?K")


def phrase(message: str) -> tuple[str, str] | None:
    """The action (and language) a whole free-word message asks for, if it is one of the known phrases."""
    joined = message.lower().replace("'", "").replace("\u2019", "")  # what's, what’s -> whats
    return PHRASES.get(" ".join(_NOT_WORD.sub(" ", joined).split()))


def amount(words: tuple[str, ...] | list[str]) -> tuple[int | None, int]:
    """The amount in cents the first words spell (``KES 5,000``, ``ksh5000``, ``5k``) and how many words
    it took; (None, 0) when they spell no whole amount of shillings."""
    if not words:
        return None, 0
    first = words[0].upper()
    if first in _CURRENCY:
        cents, used = amount(words[1:])
        return (cents, used + 1) if cents is not None else (None, 0)
    for currency in _CURRENCY:
        if first.startswith(currency) and first[len(currency) :][:1].isdigit():
            first = first[len(currency) :]
            break
    return _cents(first), 1 if _cents(first) is not None else 0


def _cents(word: str) -> int | None:
    if match := _AMOUNT.fullmatch(word):
        if int(match.group("c") or 0):
            return None  # M-Pesa takes whole shillings: 5000.50 is refused rather than rounded
        return int(match.group("n").replace(",", "")) * 100
    if match := _THOUSANDS.fullmatch(word):
        return (int(match.group("n")) * 1000 + int(match.group("f") or 0) * 100) * 100
    return None
