"""A screen as a WhatsApp menu to tap: reply buttons for up to three short choices, else a list of up to ten.

Each option becomes a choice whose id is what its tap sends back (``Option.sends``: the key typed
on every channel, or a payload such as the PAY keyword of a Pay button) and whose title is clipped to
WhatsApp's limits (a list item's full label then goes in its description). A screen with more than ten
options, or none, stays numbered text; so does everything outside the 24-hour window (the outbox's SMS).
"""

from __future__ import annotations

import hashlib
import json
import re

from flows import Conversation, Screen
from flows.texts import text
from providers.messaging import Choice, Interactive
from providers.twilio_content import BUTTON_TITLE, BUTTONS, ITEM_DESCRIPTION, ITEM_ID, ITEM_TITLE, LIST_ITEMS

KEY = "interactive"  # the outbox row's template_vars entry holding the menu (no template id: session only)
_STAMPED = re.compile(r"(?P<key>[0-9]{1,3})@(?P<stamp>[0-9a-f]{6})")


def stamp(conversation: Conversation) -> str:
    """What the screen a conversation is on is: its position, child and amount being paid, hashed short."""
    at = [conversation.at.to_dict(), conversation.school_id, conversation.student_id, conversation.amount]
    return hashlib.sha256(json.dumps(at, sort_keys=True).encode()).hexdigest()[:6]


def tapped(payload: str, previous: Conversation | None) -> str:
    """What a tap means now. A list item or button typed by key carries the stamp of its screen
    (``1@3fa2c9``): WhatsApp keeps old menus tappable, and an old "1" (Balance) must not confirm today's
    payment. A stamp of the screen the parent is on is the key; any other is nothing (the screen repeats
    with a hint, or the menu starts afresh after an ended conversation). A payload (``PAY 5000 1001``) is
    whole in itself and read as typed."""
    match = _STAMPED.fullmatch(payload)
    if match is None:
        return payload
    live = previous is not None and not previous.ended
    return match.group("key") if live and previous and stamp(previous) == match.group("stamp") else ""


def menu_of(screen: Screen, language: str, screen_stamp: str = "") -> Interactive | None:
    """The screen as buttons or a list, or None when it is text only; a key's id carries ``screen_stamp``."""
    options = screen.options
    ids = [
        option.payload or (f"{option.key}@{screen_stamp}" if screen_stamp else option.key)
        for option in options
    ]
    if not options or len(options) > LIST_ITEMS or len(set(ids)) != len(ids) or max(map(len, ids)) > ITEM_ID:
        return None
    body = screen.text or text(language, "choose")
    titles = [option.title for option in options]
    if len(options) <= BUTTONS and max(map(len, titles)) <= BUTTON_TITLE and len(set(titles)) == len(titles):
        return Interactive("buttons", body, tuple(Choice(i, t) for i, t in zip(ids, titles, strict=True)))
    choices = tuple(
        Choice(id_, _clip(option.title, ITEM_TITLE), _description(option.title, option.key))
        for id_, option in zip(ids, options, strict=True)
    )
    return Interactive("list", body, choices, button=text(language, "choose"))


def _description(title: str, key: str) -> str:
    """The whole label where the title had to be cut, else the key that types it (Twilio requires one)."""
    return _clip(title, ITEM_DESCRIPTION) if len(title) > ITEM_TITLE else (key or title)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "."
