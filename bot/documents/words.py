"""Amounts in words, as an official receipt states them beside the figures."""

from __future__ import annotations

from num2words import num2words


def amount_in_words(cents: int) -> str:
    """``500050`` -> ``Kenya shillings five thousand and fifty cents only``."""
    shillings, rest = divmod(cents, 100)
    words = f"Kenya shillings {num2words(shillings, lang='en')}"
    if rest:
        words += f" and {num2words(rest, lang='en')} cents"
    return words + " only"
