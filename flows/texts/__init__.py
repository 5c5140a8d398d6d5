"""Screen texts in English (``en``) and Kiswahili (``sw``), one dict per language with the same keys."""

from __future__ import annotations

from flows.texts import en, sw

LANGUAGES = ("en", "sw")
TEXTS = {"en": en.TEXTS, "sw": sw.TEXTS}
MONTHS = {"en": en.MONTHS, "sw": sw.MONTHS}


def language_or_default(language: str) -> str:
    return language if language in TEXTS else "en"


def text(language: str, key: str, **values: object) -> str:
    """The text ``key`` in ``language`` (English when unknown), with ``values`` filled in."""
    return TEXTS[language_or_default(language)][key].format(**values)
