"""Which channel carries a message: the guardian's preference, with the fallback order when it cannot.

Pure: the dispatcher (``bot.outbox.dispatcher``) asks it at the moment of sending, with what it knows then.
SMS is the floor every message can fall back to.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.records.tables import Channel


@dataclass(frozen=True)
class Reach:
    """What can carry a message to this guardian now."""

    window_open: bool  # the parent wrote on WhatsApp in the last 24 hours: free text may go
    template: bool  # an approved WhatsApp template exists for the message (allowed outside the window)
    email: bool  # an address that has not bounced, and an email channel configured


def choose_channel(preferred: Channel | None, reach: Reach) -> Channel:
    """The channel for a message to a guardian preferring ``preferred`` (None: a phone that is no
    guardian's, e.g. a school's own staff): WhatsApp when the window is open or a template is approved,
    email when there is a working address; otherwise SMS."""
    whatsapp_can = reach.window_open or reach.template
    if preferred is Channel.EMAIL:
        return Channel.EMAIL if reach.email else Channel.SMS
    if preferred is Channel.WHATSAPP or preferred is None:
        return Channel.WHATSAPP if whatsapp_can else Channel.SMS
    return Channel.SMS
