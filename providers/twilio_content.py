"""Interactive WhatsApp menus as Twilio Content templates (``twilio/list-picker``, ``twilio/quick-reply``).

Twilio sends interactive messages only as Content templates: one is created with the Content API
(``POST https://content.twilio.com/v1/Content`` with its ``types``), then sent with ``ContentSid`` and
``ContentVariables`` on the Messages API. Karo's menus change with every screen (a child's name, a balance),
so every text in a template is a variable: one template per *shape* (list or buttons, and how many), at most
ten lists and three button sets for the whole deployment, each created once. Creating one per distinct menu
would make a template, and an extra API call, for every balance anyone ever read.

A template is named after its shape and a hash of its layout (``karo-list-4-1a2b3c4d``): a process that
starts lists the account's templates once and reuses any of ours, so restarts and other workers never
create a second copy; a layout changed in code gets a new name, so an old template is never sent wrongly.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from providers.messaging import Interactive

LIST_ITEMS, BUTTONS = 10, 3  # twilio/list-picker items; quick-reply buttons in session without approval
ITEM_TITLE, ITEM_DESCRIPTION, ITEM_ID = 24, 72, 200  # list-picker limits
BUTTON_TITLE, BUTTON_ID = 20, 200  # quick-reply limits (WhatsApp's reply buttons)
BODY = 1024
PREFIX = "karo-"
LANGUAGE = "en"  # a session message's template is never reviewed: its language is only a label


def layout(menu: Interactive) -> tuple[str, dict[str, Any]]:
    """The template's name and its ``types`` for the menu's shape: every text a numbered variable."""
    numbers = iter(range(1, 100))

    def var() -> str:
        return "{{" + str(next(numbers)) + "}}"

    count = len(menu.choices)
    if menu.kind == "list":
        body, button = var(), var()
        items = [{"item": var(), "id": var(), "description": var()} for _ in range(count)]
        types: dict[str, Any] = {"twilio/list-picker": {"body": body, "button": button, "items": items}}
    else:
        body = var()
        actions = [{"type": "QUICK_REPLY", "title": var(), "id": var()} for _ in range(count)]
        types = {"twilio/quick-reply": {"body": body, "actions": actions}}
    digest = hashlib.sha256(json.dumps(types, sort_keys=True).encode()).hexdigest()[:8]
    return f"{PREFIX}{menu.kind}-{count}-{digest}", types


def variables(menu: Interactive) -> dict[str, str]:
    """The ``ContentVariables`` that fill the menu's template, in the order ``layout`` numbered them."""
    values = [menu.body]
    if menu.kind == "list":
        values.append(menu.button)
        for choice in menu.choices:
            values += [choice.title, choice.id, choice.description]
    else:
        for choice in menu.choices:
            values += [choice.title, choice.id]
    return {str(number): value for number, value in enumerate(values, start=1)}


class ContentTemplates:
    """The ContentSid of each menu shape: found among the account's templates, else created (thread-safe)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._sids: dict[str, str] = {}
        self._listed = False
        self._lock = threading.Lock()

    def sid_for(self, menu: Interactive) -> str:
        """The template for the menu's shape. Raises the SDK's or ``requests``' error when Twilio cannot
        list or create it (the caller then sends the numbered text)."""
        name, types = layout(menu)
        with self._lock:
            if name not in self._sids and not self._listed:
                contents = self._client.content.v1.contents.list()
                self._sids |= {c.friendly_name: c.sid for c in contents if _ours(c.friendly_name, c.sid)}
                self._listed = True
            if name not in self._sids:
                samples = variables(menu)
                request = ContentList.ContentCreateRequest(
                    {"friendly_name": name, "language": LANGUAGE, "variables": samples, "types": types}
                )
                created = self._client.content.v1.contents.create(request)
                self._sids[name] = str(created.sid)
            return self._sids[name]


def _ours(name: str | None, sid: str | None) -> bool:
    return bool(name and sid and name.startswith(PREFIX))
