"""What a virtual parent does on one dial: reach the menu, then one of a few session shapes.

Options are chosen by their label (in English or Kiswahili, from ``flows.texts``), never by their number,
so the script does not depend on menu order or on the guardian's language. Every shape ends with the
parent hanging up, as most do; none confirms a payment (that would record an M-Pesa request).
"""

from __future__ import annotations

import random
import re
from collections.abc import Generator
from dataclasses import dataclass

from flows.texts import TEXTS

OPTION = re.compile(r"^(?:CON |END )?(\d+)\. (.*)$")


@dataclass(frozen=True)
class Choose:
    """Press the option labelled with the text ``key``; ``optional``: skip it when not on screen."""

    key: str
    optional: bool = False


@dataclass(frozen=True)
class Press:
    """Press ``keys`` as typed; ``if_offered``: only when the screen's navigation line shows them."""

    keys: str
    if_offered: bool = False


Step = Choose | Press
BACK, HOME, MORE = Press("0"), Press("00"), Press("98", if_offered=True)

SHAPES: dict[str, tuple[Step, ...]] = {
    "balance": (Choose("menu_balance"),),
    "tour": (
        Choose("menu_balance"), BACK, Choose("menu_statement"), MORE, HOME, Choose("menu_attendance"),
    ),
    "results": (Choose("menu_results"), Choose("results_subjects", optional=True), MORE, BACK),
    "pay, then cancel": (
        Choose("menu_pay"), Choose("pay_full", optional=True), Choose("cancel", optional=True),
    ),
    "typo": (Press("9"), Choose("menu_balance"), BACK, Choose("menu_statement")),
}  # fmt: skip
WEIGHTS = {"balance": 35, "tour": 25, "results": 15, "pay, then cancel": 15, "typo": 10}
CHOOSERS = {text[key].lower() for text in TEXTS.values() for key in ("choose_school", "choose_child")}
RESUME_CONTINUE = 0.2  # share of redials that take the offer to continue rather than start again
MAX_STEPS_TO_MENU = 4


class LostTheWay(Exception):
    """The screen was not what the script expected: counted as an error, the session abandoned."""


def pick_shape(rng: random.Random) -> str:
    return rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]


def options(reply: str) -> dict[str, str]:
    """The numbered options on a screen: key -> label."""
    found = (OPTION.match(line) for line in reply.splitlines())
    return {match.group(1): match.group(2) for match in found if match}


def labels(key: str) -> tuple[str, ...]:
    """The label of text ``key`` in every language (up to its first placeholder)."""
    return tuple(texts[key].split("{")[0].strip().lower() for texts in TEXTS.values())


def option_for(reply: str, key: str) -> str | None:
    """The number of the option labelled with text ``key`` (whole, or up to the amount in ``Full balance
    KES 1,000``), if the screen has one."""
    wanted = labels(key)
    partial = "{" in TEXTS["en"][key]
    for number, label in options(reply).items():
        if label.lower().startswith(wanted) if partial else label.lower() in wanted:
            return number
    return None


def at_menu(reply: str) -> bool:
    return all(option_for(reply, key) is not None for key in ("menu_balance", "menu_statement"))


def offers(reply: str, keys: str) -> bool:
    """Whether the navigation line (the last one) shows ``keys``, as in ``98 More 0 Back``."""
    last = reply.splitlines()[-1] if reply else ""
    return not OPTION.match(last) and keys in last.split()


def towards_menu(reply: str, rng: random.Random) -> str:
    """The key that brings a parent closer to the menu: answer the resume offer, pick a school or child."""
    if option_for(reply, "resume_restart") is not None:
        choice = "resume_continue" if rng.random() < RESUME_CONTINUE else "resume_restart"
        return option_for(reply, choice) or ""
    if any(line.strip().lower() in CHOOSERS for line in reply.removeprefix("CON ").splitlines()[:2]):
        return rng.choice(list(options(reply)))  # a school or a child
    if reply.startswith("CON "):
        return "00"  # a screen of a resumed conversation: home
    raise LostTheWay(f"expected the menu, a school or a child:\n{reply}")


def next_keys(reply: str, step: Step) -> str | None:
    """What to press for ``step`` on this screen; None to skip the step."""
    if isinstance(step, Press):
        return step.keys if not step.if_offered or offers(reply, step.keys) else None
    number = option_for(reply, step.key)
    if number is None and not step.optional:
        raise LostTheWay(f"no option {step.key!r} on screen:\n{reply}")
    return number


def script(shape: str, rng: random.Random) -> Generator[str | None, str, None]:
    """One session of ``shape``: yields what to press (None: dial), is sent each reply in turn."""
    reply = yield None
    for _ in range(MAX_STEPS_TO_MENU):
        if at_menu(reply):
            break
        reply = yield towards_menu(reply, rng)
    else:
        raise LostTheWay(f"did not reach the menu:\n{reply}")
    for step in SHAPES[shape]:
        keys = next_keys(reply, step)
        if keys is not None:
            reply = yield keys
