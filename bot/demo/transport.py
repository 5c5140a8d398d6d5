"""The demo's optional transport: Kilimani's Transport fee (bot.demo.money), billed only to the children
who take the bus (the enrolments import makes the item optional before the term is invoiced)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.demo.people import Pupil

TRANSPORT = "Transport"
RIDERS = 9


def riders(pupils: Sequence[Pupil], seed: str) -> list[Pupil]:
    """The children who take the school bus (the same ones on every run)."""
    chosen = random.Random(f"{seed}:bus").sample(list(pupils), k=min(RIDERS, len(pupils)))
    return sorted(chosen, key=lambda pupil: pupil.admission_no)


def enrolments_csv(term_code: str, pupils: Sequence[Pupil]) -> str:
    lines = ["admission_no,term,vote_head"]
    lines += [f"{pupil.admission_no},{term_code},{TRANSPORT}" for pupil in pupils]
    return "\n".join(lines) + "\n"
