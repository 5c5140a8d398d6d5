"""How flows are built: one transitions machine per flow, shared, with tables that agree with the keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import transitions

from flows import start, step
from flows.engine import FLOWS
from tests.unit.flows.fakes import CREDIT, MULTI, world
from tests.unit.flows.helpers import AMINA

WALK = [*AMINA, "1", "98", "0", "3", "98", "00", "5", "1", "98", "0", "00", "2", "2", "20000", "1", "0", "x"]


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_key_fires_a_trigger_the_machine_knows_in_that_state(name: str) -> None:
    flow = FLOWS[name]
    for state in flow.states:
        wanted = set(flow.keys.get(state, {}).values()) | (
            {flow.typed[state]} if state in flow.typed else set()
        )
        assert wanted <= set(flow.machine.get_triggers(state.name)), f"{name}.{state.name}"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_machines_have_enum_states_and_no_automatic_transitions(name: str) -> None:
    machine = FLOWS[name].machine
    assert not machine.auto_transitions
    assert not any(trigger.startswith("to_") for trigger in machine.events)
    assert {state.name for state in FLOWS[name].states} == set(machine.states)


def test_a_step_builds_no_machine_and_leaves_no_model_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    w = world()
    conversation, _ = start(MULTI, w.ports)
    built: list[object] = []
    original = transitions.Machine.__init__

    def counting(self: transitions.Machine, *args: object, **kwargs: object) -> None:
        built.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    for text in WALK:
        conversation, _ = step(conversation, text, w.ports)
    assert built == []
    assert all(flow.machine.models == [] for flow in FLOWS.values())


def _walk(phone: str) -> list[str]:
    w = world()
    conversation, screen = start(phone, w.ports)
    screens = [screen.render()]
    for text in WALK:
        conversation, screen = step(conversation, text, w.ports)
        screens.append(screen.render())
    return screens


def test_concurrent_conversations_on_shared_machines_do_not_meet() -> None:
    expected = {phone: _walk(phone) for phone in (MULTI, CREDIT)}
    phones = [MULTI, CREDIT] * 24
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_walk, phones))
    assert all(result == expected[phone] for phone, result in zip(phones, results, strict=True))
