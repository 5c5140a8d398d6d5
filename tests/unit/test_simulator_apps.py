"""How the vendor simulators are built: a short factory puts a state object on ``app.state.sim`` and serves
module-level endpoints that read it, so the Daraja parts need no import back to the app that holds them; and
the simulators' own concepts have names of their own."""

from __future__ import annotations

import ast
from types import ModuleType

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from providers.simulators import africastalking, daraja, twilio
from tests.unit.test_no_cycles import ROOT, cycles, graph

SIMULATORS = [africastalking, twilio, daraja]


def test_no_import_cycle_among_the_providers_modules():
    assert [c for c in cycles(graph()) if c[0].startswith("providers.")] == []


@pytest.mark.parametrize("module", SIMULATORS, ids=lambda m: m.__name__.rpartition(".")[2])
def test_every_simulator_endpoint_is_a_module_level_function(module: ModuleType):
    app: Starlette = module.create_app()
    endpoints = [route.endpoint for route in app.routes if isinstance(route, Route)]

    assert endpoints and [e.__qualname__ for e in endpoints if "<locals>" in e.__qualname__] == []


@pytest.mark.parametrize("module", SIMULATORS, ids=lambda m: m.__name__.rpartition(".")[2])
def test_two_apps_of_one_simulator_keep_their_own_settings_and_faults(module: ModuleType):
    first, second = TestClient(module.create_app()), TestClient(module.create_app())

    first.post("/_sim/config", json={"delay": 7})
    first.post("/_sim/fail", json={"count": 3, "status": 500})

    assert first.get("/_sim/config").json()["delay"] == 7
    assert second.get("/_sim/config").json()["delay"] != 7
    assert second.post("/_sim/fail", json={"status": 500}).json() == {"pending_faults": 1}


# Names too general for a simulator: other parts had classes and functions of these names meaning
# other things.
TAKEN_ELSEWHERE = {"Outcome", "settle"}


def test_the_providers_name_no_class_or_function_after_a_ledger_or_flows_concept():
    defined = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in (ROOT / "providers").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name in TAKEN_ELSEWHERE
    ]
    assert defined == []
