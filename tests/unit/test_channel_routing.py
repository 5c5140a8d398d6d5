"""Which channel a message takes: the guardian's preference, and the fallback when it cannot be met."""

from __future__ import annotations

import pytest

from ledger.messaging.routing import Reach, choose_channel
from ledger.records.tables import Channel

E, S, W = Channel.EMAIL, Channel.SMS, Channel.WHATSAPP

# preference, window open, has a working email address, template approved -> channel
TABLE = [
    (S, False, False, False, S),
    (S, True, True, True, S),  # SMS is what they asked for, whatever else could reach them
    (W, True, False, False, W),  # inside the 24-hour window: free text
    (W, False, False, True, W),  # outside it, an approved template
    (W, False, True, False, S),  # outside it without a template: SMS, as before (not email)
    (W, True, True, True, W),
    (E, False, True, False, E),
    (E, True, True, True, E),  # email wins over an open window when email is what they chose
    (E, False, False, False, S),  # no address (or it bounced, or no email channel): SMS
    (E, True, False, True, S),  # ... even when WhatsApp could reach them: SMS is the fallback order
    (None, True, False, False, W),  # a phone that is no guardian's: WhatsApp where it can, else SMS
    (None, False, False, True, W),
    (None, False, True, False, S),
]


@pytest.mark.parametrize(("preferred", "window", "email", "template", "channel"), TABLE)
def test_preference_and_fallback(preferred, window, email, template, channel):
    assert choose_channel(preferred, Reach(window_open=window, template=template, email=email)) is channel


def test_every_preference_and_reach_falls_back_to_a_channel_that_can_carry_it():
    for preferred in (*Channel, None):
        for bits in range(8):
            reach = Reach(window_open=bool(bits & 1), template=bool(bits & 2), email=bool(bits & 4))
            chosen = choose_channel(preferred, reach)
            assert chosen is not E or reach.email
            assert chosen is not W or reach.window_open or reach.template
