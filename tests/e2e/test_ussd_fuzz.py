"""Random hop sequences through the app: always a valid CON/END reply within 182 characters, never a 5xx."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import is_gsm7
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import SHARED_CODE, TOKEN

_ids = itertools.count()
keys = st.sampled_from(["1", "2", "3", "4", "5", "0", "00", "98", "99", "5000", "1502", "*", "#", ""])
junk = st.one_of(
    st.text(alphabet="0123456789*#", max_size=30),
    st.text(max_size=40),  # letters, unicode, control characters
    st.just("9" * 600),
)


@st.composite
def hop_texts(draw: st.DrawFn) -> list[str]:
    """What a gateway might send: history growing by one input, with replays, skips and garbage mixed in."""
    history: list[str] = []
    texts = []
    for _ in range(draw(st.integers(1, 12))):
        move = draw(st.sampled_from(["next", "next", "next", "replay", "skip", "garbage", "last-only"]))
        if move in ("next", "skip", "last-only"):
            history.append(draw(keys))
            if move == "skip":
                history.append(draw(keys))
            texts.append(history[-1] if move == "last-only" else "*".join(history))
        elif move == "replay" and texts:
            texts.append(texts[-1])
        else:
            texts.append(draw(junk))
    return texts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=hop_texts(),
    phone=st.sampled_from([PARENT, "+254799999999", "0712000001", "garbage", ""]),
    code=st.sampled_from([SHARED_CODE, "*384*25#", "*384*26#", "", "#"]),
)
def test_random_hops_always_get_a_valid_reply(client, texts, phone, code):
    session_id = f"fuzz-{next(_ids)}"
    for text in ["", *texts]:
        response = client.post(
            f"/at/ussd/{TOKEN}",
            data={"sessionId": session_id, "serviceCode": code, "phoneNumber": phone, "text": text},
        )
        assert response.status_code == 200
        assert response.text.startswith(("CON ", "END ")), response.text
        assert len(response.text) <= 182 and is_gsm7(response.text), response.text
        if response.text.startswith("END "):
            break
