"""Turning Africa's Talking's ``text`` (every input so far, joined by ``*``) into this hop's new inputs.

Gateways differ: most send the whole history, some only the latest input, and hops can be replayed
(a retry) or skipped (a lost request). We compare with the text we last answered.
"""

from __future__ import annotations

MAX_INPUTS_PER_HOP = 10  # a garbled history must not make one hop do unbounded work


def new_inputs(previous: str | None, text: str) -> list[str] | None:
    """The inputs to apply, oldest first; None when this hop repeats the one already answered."""
    if previous is None:
        return []  # the first hop of a session: nothing typed yet, whatever the gateway says
    if text == previous:
        return None
    if previous and text.startswith(previous + "*"):
        added = text[len(previous) + 1 :]
    elif not previous:
        added = text
    else:
        # Not an extension of what we saw: a gateway sending only the latest input, or a skipped hop.
        added = text.rsplit("*", 1)[-1]
    return added.split("*")[-MAX_INPUTS_PER_HOP:]
