"""Whatever a phone sends, a step answers with a screen that fits: it never raises and never ends the
session on bad input."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import MAX_LENGTH, Conversation, gsm7_length, is_gsm7, start, step
from flows.ports import PaymentOutcome
from tests.unit.flows.fakes import CREDIT, EMPTY, MULTI, UNKNOWN, world

DIGITS = re.compile(r"[0-9]+")
KEYS = ["0", "00", "98", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "*", "#", "1*2", "**", ""]
inputs = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(["5000", "20000", "300000", "2503", "0104", "1003", "3102", "0000", "99999999999"]),
    st.text(alphabet="0123456789*#", max_size=8),
    st.text(max_size=12),
    st.text(min_size=490, max_size=520),
    st.just("\U0001f600\u200b\u0665\u00e9"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    phone=st.sampled_from([MULTI, CREDIT, EMPTY, UNKNOWN]),
    language=st.sampled_from(["en", "sw"]),
    outcome=st.sampled_from(list(PaymentOutcome)),
    school_id=st.sampled_from([None, None, 1, 2]),
    texts=st.lists(inputs, max_size=30),
)
def test_any_input_gets_a_screen_that_fits(
    phone: str, language: str, outcome: PaymentOutcome, school_id: int | None, texts: list[str]
) -> None:
    w = world(language, outcome)
    conversation, screen = start(phone, w.ports, school_id=school_id)
    for text in texts:
        stored = json.loads(json.dumps(conversation.to_dict()))  # as the session store keeps it
        was_ended = conversation.ended
        conversation, screen = step(Conversation.from_dict(stored), text, w.ports)
        rendered = screen.render()
        assert is_gsm7(rendered), rendered
        assert gsm7_length(rendered) <= MAX_LENGTH, rendered
        # Only a choice (a digit key, a DDMM date) ends a session, or a phone that may see nothing.
        assert not screen.end or was_ended or DIGITS.fullmatch(text.strip()), (text, rendered)
