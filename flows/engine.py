"""One input at a time: navigation (``0`` back, ``00`` home) for every flow, then the current flow's machine.

Nothing a parent types can raise or end the session: input that fits no transition repeats the screen
with a short hint. A screen is re-read from the ports each time it is shown, so ``0`` and a resumed
session show today's figures, not the ones seen before.
"""

from __future__ import annotations

import enum
from dataclasses import replace

# Each flow by its module path, not ``from flows import``: that would import flows/__init__, which imports
# this engine back.
import flows.attendance as attendance
import flows.balance as balance
import flows.identify as identify
import flows.language as language
import flows.menu as menu
import flows.pay as pay
import flows.promise as promise
import flows.results as results
import flows.resume as resume
import flows.settings as settings
import flows.statement as statement
from flows.context import ChildGone, Turn
from flows.conversation import MAX_BACK, Conversation, Position
from flows.machine import Flow, Hop
from flows.ports import Ports
from flows.screen import Option, Screen, fit
from flows.texts import text as texts

FLOWS: dict[str, Flow] = {
    f.name: f
    for f in (
        identify.FLOW,
        menu.FLOW,
        balance.FLOW,
        statement.FLOW,
        attendance.FLOW,
        results.FLOW,
        pay.FLOW,
        promise.FLOW,
        language.FLOW,
        settings.FLOW,
        resume.FLOW,
    )
}
HOME = Position("menu", menu.MenuState.MENU.value)
BACK, HOME_KEY = "0", "00"


def start(phone: str, ports: Ports, *, school_id: int | None = None) -> tuple[Conversation, Screen]:
    """A new session for ``phone``; ``school_id`` when the dialled code is that school's own."""
    conversation = identify.begin(phone, ports, school_id)
    if conversation is None:
        ended = Conversation(phone=phone, dialled_school_id=school_id, ended=True)
        return ended, Screen(texts("en", "unknown"), end=True)
    conversation.at = with_state_named(conversation.at)
    return conversation, present(Turn(conversation, ports))


def step(conversation: Conversation, text: str, ports: Ports) -> tuple[Conversation, Screen]:
    """The next screen after the parent's latest input. The conversation passed in is left unchanged."""
    if conversation.ended:
        return start(conversation.phone, ports, school_id=conversation.dialled_school_id)
    current = conversation.copy()
    try:
        return _step(current, text.strip(), ports)
    except ChildGone:
        return start(current.phone, ports, school_id=current.dialled_school_id)


def resumable(conversation: Conversation) -> bool:
    """Whether a dropped conversation is worth offering to continue: unfinished and past the menus."""
    return not conversation.ended and conversation.at.flow not in {"identify", "menu", "resume"}


def offer_resume(previous: Conversation, ports: Ports) -> tuple[Conversation, Screen]:
    """Ask "Continue where you left off?"; the next ``step`` takes 1 (continue) or 2 (start again).
    A conversation not worth resuming gets a fresh start instead."""
    if not resumable(previous):
        return start(previous.phone, ports, school_id=previous.dialled_school_id)
    offered = resume.offer(previous)
    offered.at = with_state_named(offered.at)
    return offered, present(Turn(offered, ports))


def _step(conversation: Conversation, text: str, ports: Ports) -> tuple[Conversation, Screen]:
    ctx = Turn(conversation, ports)
    if not known(conversation.at):
        go_home(conversation, lost=True)
        return conversation, present(ctx)
    if text == HOME_KEY:
        go_home(conversation)
        return conversation, present(Turn(conversation, ports))
    if text == BACK:
        go_back(conversation)
        return conversation, present(Turn(conversation, ports))
    flow, state = locate(conversation)
    trigger = flow.trigger_for(state, text)
    if trigger is None:
        return conversation, present(ctx, hint=ctx.t("invalid"))
    hop = flow.hop(ctx, text, conversation.at)
    if not flow.fire(hop, state, trigger):
        return conversation, present(ctx, hint=hop.hint or ctx.t("invalid"))
    return apply(conversation, ports, flow, hop)


def apply(conversation: Conversation, ports: Ports, flow: Flow, hop: Hop) -> tuple[Conversation, Screen]:
    """Carry out what the hop decided: start again, resume, end, go home, or move to the next screen."""
    if hop.restart:
        return start(conversation.phone, ports, school_id=conversation.dialled_school_id)
    if hop.resumed is not None:
        return hop.resumed, present(Turn(hop.resumed, ports))
    if hop.ending is not None:
        conversation.ended = True
        return conversation, fit(hop.ending)
    if hop.notice is not None:
        go_home(conversation)
        return conversation, present(Turn(conversation, ports), notice=hop.notice)
    move(conversation, hop.goto or Position(flow.name, hop.state.value, hop.item, hop.cursor))
    return conversation, present(Turn(conversation, ports))


def with_state_named(position: Position) -> Position:
    """The position with its state named, so that one screen is always stored the same way."""
    return position if position.state else replace(position, state=FLOWS[position.flow].state("").value)


def known(position: Position) -> bool:
    """Whether a stored position still names a screen (a deployment may have renamed one since)."""
    flow = FLOWS.get(position.flow)
    return flow is not None and (not position.state or position.state in {s.value for s in flow.states})


def locate(conversation: Conversation) -> tuple[Flow, enum.Enum]:
    """The flow and state of the current screen."""
    if not known(conversation.at):
        go_home(conversation, lost=True)
    flow = FLOWS[conversation.at.flow]
    return flow, flow.state(conversation.at.state)


def move(conversation: Conversation, target: Position) -> None:
    """Go to ``target``, remembering where from; a screen already on the way back is returned to, so
    going round in circles (amount, too much, change amount, ...) never deepens the back-stack."""
    target = with_state_named(target)
    if target in conversation.back:
        conversation.back = conversation.back[: conversation.back.index(target)]
    elif target != conversation.at:
        conversation.back = [*conversation.back, conversation.at][-MAX_BACK:]
    arrive(conversation, target)
    if target.flow == HOME.flow:
        conversation.home_back = list(conversation.back)


def arrive(conversation: Conversation, target: Position) -> None:
    if target.flow != "pay":
        conversation.amount = None  # an amount being prepared is dropped on leaving the payment
    conversation.at = target


def go_back(conversation: Conversation) -> None:
    """The previous screen; the first screen of a session stays where it is."""
    if conversation.at.flow != "resume" and conversation.back:
        arrive(conversation, conversation.back.pop())


def go_home(conversation: Conversation, *, lost: bool = False) -> None:
    """The child's main menu (the child list is one ``0`` back from it); before a child is chosen, the
    session's first screen. ``lost``: the stored screen no longer exists, so the menu is the only way."""
    if conversation.at.flow == "resume" and not lost:
        return
    if lost and conversation.student_id is None:
        raise ChildGone(f"lost at {conversation.at}")
    if conversation.student_id is None:
        conversation.at, conversation.back = (conversation.back or [conversation.at])[0], []
        return
    arrive(conversation, HOME)
    conversation.back = list(conversation.home_back)


def navigation(conversation: Conversation) -> tuple[Option, ...]:
    if conversation.at.flow == "resume":
        return ()
    lang = conversation.language
    back = (Option(BACK, texts(lang, "back")),) if conversation.back else ()
    # 00 works everywhere, but is only shown where it leads somewhere 0 does not.
    home_is_back = conversation.back[-1:] == [HOME] or conversation.at.flow == HOME.flow
    if conversation.student_id is None or home_is_back:
        return back
    return back + (Option(HOME_KEY, texts(lang, "home")),)


def present(ctx: Turn, *, hint: str | None = None, notice: str | None = None) -> Screen:
    """The current screen, read afresh, with the hint or notice on top and the navigation keys below."""
    conversation = ctx.conversation
    flow, state = locate(conversation)
    screen = flow.view(ctx, state, conversation.at)
    body = "\n".join(part for part in (hint, notice, screen.text) if part)
    return fit(Screen(body, screen.options + navigation(conversation), screen.end))
