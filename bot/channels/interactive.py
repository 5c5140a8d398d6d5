"""A screen as a WhatsApp menu to tap: reply buttons for up to three short choices, else a list of up to ten.

Each option becomes a choice whose id is what its tap sends back (``Option.sends``: the key typed
on every channel, or a payload such as the PAY keyword of a Pay button) and whose title is clipped to
WhatsApp's limits (a list item's full label then goes in its description). A screen with more than ten
options, or none, stays numbered text; so does everything outside the 24-hour window (the outbox's SMS).
"""

from __future__ import annotations

from flows import Screen
from flows.texts import text
from providers.messaging import Choice, Interactive
from providers.twilio_content import BUTTON_TITLE, BUTTONS, ITEM_DESCRIPTION, ITEM_ID, ITEM_TITLE, LIST_ITEMS

KEY = "interactive"  # the outbox row's template_vars entry holding the menu (no template id: session only)


def menu_of(screen: Screen, language: str) -> Interactive | None:
    """The screen as buttons or a list, or None when it is text only."""
    options = screen.options
    ids = [option.sends for option in options]
    if not options or len(options) > LIST_ITEMS or len(set(ids)) != len(ids) or max(map(len, ids)) > ITEM_ID:
        return None
    body = screen.text or text(language, "choose")
    titles = [option.title for option in options]
    if len(options) <= BUTTONS and max(map(len, titles)) <= BUTTON_TITLE and len(set(titles)) == len(titles):
        return Interactive("buttons", body, tuple(Choice(i, t) for i, t in zip(ids, titles, strict=True)))
    choices = tuple(
        Choice(option.sends, _clip(option.title, ITEM_TITLE), _description(option.title, option.key))
        for option in options
    )
    return Interactive("list", body, choices, button=text(language, "choose"))


def _description(title: str, key: str) -> str:
    """The whole label where the title had to be cut, else the key that types it (Twilio requires one)."""
    return _clip(title, ITEM_DESCRIPTION) if len(title) > ITEM_TITLE else (key or title)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "."
