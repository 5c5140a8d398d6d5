"""Explicit wiring in bot/: every dependency is passed in, none smuggled through a session factory's ``info``
or a ContextVar, and the M-Pesa desk imports none of the modules that take it (no cycle through it)."""

from tests.unit.test_no_cycles import cycles, graph


def test_no_cycle_runs_through_the_mpesa_desk():
    assert [cycle for cycle in cycles(graph()) if "bot.mpesa.desk" in cycle] == []
