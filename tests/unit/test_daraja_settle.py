"""A Daraja callback whose posting lost a race on a unique key is settled once more, not kept as failed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError

from bot.routes.daraja import _with_one_retry


def racing(losses: int) -> tuple[list[int], Callable[[], str]]:
    """Work that loses the race ``losses`` times (a concurrent transaction committed the same receipt)."""
    runs: list[int] = []

    def work() -> str:
        runs.append(len(runs) + 1)
        if len(runs) <= losses:
            raise IntegrityError("INSERT INTO payments", {}, Exception("uq_payments_school_id_reference"))
        return "already recorded"

    return runs, work


def test_a_lost_race_is_settled_by_running_the_work_again() -> None:
    runs, work = racing(losses=1)
    assert asyncio.run(_with_one_retry("c2b-confirm", work)) == "already recorded"
    assert runs == [1, 2]


def test_a_second_loss_is_not_retried_for_ever() -> None:
    runs, work = racing(losses=2)
    with pytest.raises(IntegrityError):
        asyncio.run(_with_one_retry("c2b-confirm", work))
    assert runs == [1, 2]


def test_other_failures_are_not_retried() -> None:
    runs: list[int] = []

    def work() -> str:
        runs.append(1)
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        asyncio.run(_with_one_retry("c2b-confirm", work))
    assert runs == [1]
