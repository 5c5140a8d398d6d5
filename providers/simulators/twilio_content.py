"""The Twilio simulator's Content API: ``POST /v1/Content`` creates a template (``twilio/text``,
``twilio/list-picker``, ``twilio/quick-reply``), ``GET /v1/Content`` lists them in Twilio's page shape, and
a Messages.json send with its ``ContentSid`` is checked and rendered here.

Checked as Twilio's content-type pages state them: a list-picker has a body (at most 1,024 characters), a
button, and 1 to 10 items, each with an ``item`` (at most 24), an ``id`` (at most 200, unique) and a
``description`` (at most 72); a quick-reply has a body and 1 to 10 actions (each a ``title`` of at most 20
and an ``id``), of which only 3 may be sent in session without approval. A template's texts may be
``{{n}}`` variables, each with a sample in ``variables``; the limits apply to the texts once filled in at
send time. A malformed template is refused with 400 and nothing is created.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from providers.simulators.twilio_rules import Refusal

LIST_ITEMS, ACTIONS, SESSION_BUTTONS = 10, 10, 3
LIMITS = {"body": 1024, "button": 20, "item": 24, "id": 200, "description": 72, "title": 20}
INVALID = 21656  # the ContentVariables (or the message they make) are invalid
BAD_CONTENT = 20001  # invalid parameter in a Content create
_VARIABLE = re.compile(r"\{\{(\w+)\}\}")


def refuse(why: str, code: int = BAD_CONTENT) -> Refusal:
    return Refusal(400, code, why)


def create_content(raw: dict[str, Any], account_sid: str) -> dict[str, Any]:
    """The Content resource for a create request body, or ``Refusal`` for a malformed one."""
    name, language = raw.get("friendly_name"), raw.get("language")
    samples = raw.get("variables") or {}
    types = {kind: value for kind, value in (raw.get("types") or {}).items() if value is not None}
    if not isinstance(language, str) or not language:
        raise refuse("language is required")
    if not isinstance(samples, dict) or not all(isinstance(v, str) for v in samples.values()):
        raise refuse("variables must map names to sample strings")
    if not types:
        raise refuse("types must hold one content type")
    for kind, value in types.items():
        check_type(kind, value, filled=False)
    missing = sorted(set(_VARIABLE.findall(json.dumps(types))) - set(samples))
    if missing:
        raise refuse(f"no sample value for variable(s) {', '.join(missing)}")
    sid = "HX" + secrets.token_hex(16)
    now = dt.datetime.now(dt.UTC).isoformat()
    return {
        "sid": sid,
        "account_sid": account_sid,
        "friendly_name": name,
        "language": language,
        "variables": samples,
        "types": types,
        "url": f"https://content.twilio.com/v1/Content/{sid}",
        "date_created": now,
        "date_updated": now,
        "links": {},
    }


def check_type(kind: str, value: Any, *, filled: bool, session: bool = False) -> None:
    """Raise ``Refusal`` unless ``value`` is a well-formed ``kind``. ``filled``: the texts are final (at
    send time), so their lengths count; before, a text holding a variable is measured once filled in."""
    if not isinstance(value, dict):
        raise refuse(f"{kind} must be an object")
    if kind == "twilio/text":
        _text(value, "body", filled)
    elif kind == "twilio/list-picker":
        _text(value, "body", filled)
        _text(value, "button", filled)
        _entries(value.get("items"), LIST_ITEMS, ("item", "id", "description"), filled, kind)
    elif kind == "twilio/quick-reply":
        _text(value, "body", filled)
        most = SESSION_BUTTONS if session else ACTIONS
        _entries(value.get("actions"), most, ("title", "id"), filled, kind)
    else:
        raise refuse(f"content type {kind!r} is not simulated")


def _entries(entries: Any, most: int, fields: tuple[str, ...], filled: bool, kind: str) -> None:
    if not isinstance(entries, list) or not 1 <= len(entries) <= most:
        raise refuse(f"{kind} takes 1 to {most} entries", INVALID if filled else BAD_CONTENT)
    for entry in entries:
        if not isinstance(entry, dict):
            raise refuse(f"{kind} entries are objects")
        for field in fields:
            _text(entry, field, filled)
    ids = [entry["id"] for entry in entries]
    if filled and len(set(ids)) != len(ids):
        raise refuse(f"{kind} ids must be unique", INVALID)


def _text(value: dict[str, Any], field: str, filled: bool) -> None:
    text = value.get(field)
    if not isinstance(text, str) or not text.strip():
        raise refuse(f"{field} is required", INVALID if filled else BAD_CONTENT)
    if (filled or not _VARIABLE.search(text)) and len(text) > LIMITS[field]:
        raise refuse(f"{field} is longer than {LIMITS[field]} characters", INVALID if filled else BAD_CONTENT)


def render(content: dict[str, Any], raw_variables: str | None) -> dict[str, Any]:
    """The message a ContentSid send makes: the template's texts filled in from ``ContentVariables`` (the
    samples where one is not given), checked as sent in session; ``Refusal`` (21656) when malformed."""
    given = json.loads(raw_variables) if raw_variables else {}
    values = {**content["variables"], **given}
    [(kind, template)] = content["types"].items()
    filled = json.loads(_VARIABLE.sub(lambda m: _escaped(values.get(m.group(1), "")), json.dumps(template)))
    check_type(kind, filled, filled=True, session=True)
    return {"type": kind, **filled}


def _escaped(value: str) -> str:
    return json.dumps(value)[1:-1]  # a value placed inside a JSON string


def body_of(rendered: dict[str, Any]) -> str:
    """The text a rendered message shows first (its body)."""
    return str(rendered.get("body", ""))


def page(contents: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET /v1/Content``: every template in one page, as the SDK reads it."""
    url = "https://content.twilio.com/v1/Content?PageSize=50&Page=0"
    meta = {
        "page": 0,
        "page_size": 50,
        "first_page_url": url,
        "previous_page_url": None,
        "url": url,
        "next_page_url": None,
        "key": "contents",
    }
    return {"contents": contents, "meta": meta}
