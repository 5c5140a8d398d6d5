"""Lists on a small screen: numbered choices a page at a time, ``98`` for the next page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from flows.screen import Option

T = TypeVar("T")
_NUMBER = re.compile(r"[0-9]{1,4}")


def page(items: Sequence[T], offset: int, size: int) -> tuple[Sequence[T], bool]:
    """The items on the page starting at ``offset``, and whether more follow."""
    start = max(offset, 0)
    return items[start : start + size], start + size < len(items)


def numbered(labels: Sequence[str], offset: int, size: int, more: str) -> tuple[Option, ...]:
    """Choices keyed by their place in the whole list (``6`` on the second page of five), then ``98``."""
    shown, has_more = page(labels, offset, size)
    start = max(offset, 0)
    options = tuple(Option(str(start + i + 1), label) for i, label in enumerate(shown))
    return options + ((Option("98", more),) if has_more else ())


def chosen(text: str, count: int) -> int | None:
    """The list index a typed number picks, or None when it picks nothing."""
    if not _NUMBER.fullmatch(text):
        return None
    index = int(text) - 1
    return index if 0 <= index < count else None
