"""What parents send us, normalised across providers, and the error a malformed callback raises.

The vendor modules parse their own webhook forms into these; the bot decides what to do with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


class MalformedCallback(ValueError):
    """A webhook form lacks a field its provider always sends, or carries a value we cannot read."""


@dataclass(frozen=True)
class IncomingMessage:
    """One message a parent sent: an SMS to our shortcode or a WhatsApp message to our number."""

    provider: str  # "africastalking" or "twilio"
    provider_id: str  # AT's ``id`` or Twilio's ``MessageSid``: the key to dedupe redelivered webhooks on
    phone: str  # the sender in E.164, e.g. "+254711000001" (no "whatsapp:" prefix)
    text: str
    to: str  # our shortcode or number, without any channel prefix
    received_at: dt.datetime | None = None  # when the provider says it arrived (UTC), if it says
    channel: str = "sms"  # "sms" or "whatsapp"
    link_id: str | None = None  # AT premium on-demand: pass back to reply on the same session
    button_payload: str | None = None  # WhatsApp quick-reply tap: the button's id


def required(form: Mapping[str, str], name: str) -> str:
    """The value of ``name`` in a webhook form, or ``MalformedCallback`` if it is missing or empty."""
    value = form.get(name)
    if not value:
        raise MalformedCallback(f"missing field {name!r}")
    return str(value)


def optional(form: Mapping[str, str], name: str) -> str | None:
    """The value of ``name`` in a webhook form, or None when absent or empty."""
    value = form.get(name)
    return str(value) if value else None
