"""Drive a conversation through the fakes the way a channel would."""

from __future__ import annotations

from flows import Conversation, Screen, start, step
from flows.ports import PaymentOutcome
from tests.unit.flows.fakes import CREDIT, World, world

# Inputs from the first screen to a child's main menu.
AMINA = ["1", "1"]  # MULTI: Karo Demo Academy, first child
BRIAN = ["1", "2"]  # MULTI: Karo Demo Academy, second child (a balance with cents, one exam)
WANJIRU = ["2"]  # MULTI: St. Mary's, the only child there (long names, no term dates, no paybill)
FAITH: list[str] = []  # CREDIT: paid ahead
KEVIN: list[str] = []  # EMPTY: no entries, attendance or exams


def run(
    inputs: list[str],
    *,
    phone: str = CREDIT,
    language: str = "en",
    school_id: int | None = None,
    outcome: PaymentOutcome = PaymentOutcome.QUEUED,
    w: World | None = None,
) -> tuple[Conversation, Screen, World]:
    """Start a session, type ``inputs`` one by one, and return the last conversation and screen."""
    w = w or world(language, outcome)
    conversation, screen = start(phone, w.ports, school_id=school_id)
    for text in inputs:
        conversation, screen = step(conversation, text, w.ports)
    return conversation, screen, w
