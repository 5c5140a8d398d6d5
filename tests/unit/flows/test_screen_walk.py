"""Every reachable screen of every flow, in both languages and for every kind of phone, fits a USSD screen:
at most 160 GSM-7 characters after the CON/END prefix, without the last-resort clipping."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable

import pytest

import flows.engine
from flows import MAX_LENGTH, Conversation, Screen, gsm7_length, is_gsm7, offer_resume, start, step
from flows.ports import PaymentOutcome
from tests.unit.flows.fakes import CREDIT, EMPTY, MULTI, RECEIPTED, UNKNOWN, World, world

NAVIGATION = ["98", "0", "00"]
# Typed where a screen asks for an amount or a DDMM date, and junk that must only bring a hint.
TYPED = ["10", "5000", "20000", "250000", "9", "300000", "2503", "1703", "3103", "0203", "3102", "1", "x", ""]
MAX_SCREENS = 20_000


def strict_fit(screen: Screen) -> Screen:
    rendered = screen.render()
    assert gsm7_length(rendered) <= MAX_LENGTH, f"needs clipping ({gsm7_length(rendered)}):\n{rendered}"
    return screen


def check(screen: Screen, path: list[str]) -> None:
    rendered = screen.render()
    assert is_gsm7(rendered), f"not GSM-7 after {path}:\n{rendered}"
    assert gsm7_length(rendered) <= MAX_LENGTH, (
        f"{gsm7_length(rendered)} characters after {path}:\n{rendered}"
    )


def inputs(conversation: Conversation, screen: Screen) -> list[str]:
    """Every option, the navigation keys, and junk; amounts and dates only where the screen takes them."""
    flow = flows.engine.FLOWS[conversation.at.flow]
    takes_typed = flow.state(conversation.at.state) in flow.typed
    return [o.key for o in screen.options] + NAVIGATION + (TYPED if takes_typed else ["x"])


def walk(first: tuple[Conversation, Screen], w: World) -> int:
    """Breadth-first over every input of every screen; returns how many screens it saw."""
    queue = deque([(first[0], first[1], ["start"])])
    seen: set[str] = set()
    while queue:
        conversation, screen, path = queue.popleft()
        check(screen, path)
        key = json.dumps(conversation.to_dict(), sort_keys=True)
        if screen.end or key in seen:
            continue
        seen.add(key)
        assert len(seen) < MAX_SCREENS, "the walk does not end: is a cursor or stack growing without bound?"
        for text in inputs(conversation, screen):
            following, next_screen = step(conversation, text, w.ports)
            queue.append((following, next_screen, [*path, text]))
    return len(seen)


STARTS: dict[str, Callable[[World], tuple[Conversation, Screen]]] = {
    "multi": lambda w: start(MULTI, w.ports),
    "credit": lambda w: start(CREDIT, w.ports),
    "empty": lambda w: start(EMPTY, w.ports),
    "receipted": lambda w: start(RECEIPTED, w.ports),  # statement lines with receipt numbers
    "unknown": lambda w: start(UNKNOWN, w.ports),
    "school-code": lambda w: start(MULTI, w.ports, school_id=2),
    "other-school-code": lambda w: start(CREDIT, w.ports, school_id=2),
    "resume": lambda w: offer_resume(step(start(CREDIT, w.ports)[0], "2", w.ports)[0], w.ports),
}


@pytest.fixture(autouse=True)
def no_clipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows.engine, "fit", strict_fit)


@pytest.mark.parametrize("language", ["en", "sw"])
@pytest.mark.parametrize("name", list(STARTS))
def test_every_reachable_screen_fits_a_ussd_screen(language: str, name: str) -> None:
    w = world(language)
    seen = walk(STARTS[name](w), w)
    assert seen >= (0 if name in {"unknown", "other-school-code"} else 10)


@pytest.mark.parametrize("language", ["en", "sw"])
@pytest.mark.parametrize("outcome", [PaymentOutcome.ALREADY_PENDING, PaymentOutcome.UNAVAILABLE])
def test_every_payment_answer_fits_a_ussd_screen(language: str, outcome: PaymentOutcome) -> None:
    w = world(language, outcome)
    for school_id in (1, 2):
        walk(start(MULTI, w.ports, school_id=school_id), w)


@pytest.mark.parametrize("language", ["en", "sw"])
def test_every_screen_of_schools_without_a_daraja_app_fits_a_ussd_screen(language: str) -> None:
    w = world(language)
    w.payments.no_stk = {1, 2}  # the Paybill screen (school 1) and "contact the school" (school 2)
    for school_id in (1, 2):
        assert walk(start(MULTI, w.ports, school_id=school_id), w) >= 10
    assert w.payments.requests == []
