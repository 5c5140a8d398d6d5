"""One USSD hop: find the session, apply the new input(s) to the conversation, answer ``CON``/``END``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import flows
from bot.channels.conversations import ConversationStore, LockedState
from bot.channels.ussd.hops import new_inputs
from flows.ports import Ports
from ledger.errors import InvalidPhone
from ledger.phones import normalise_phone

SESSION_TTL_SECONDS = 180  # Africa's Talking ends a session after 180 s at most
RESUME_TTL_SECONDS = 300  # a parent who redials within 5 minutes is offered to continue


@dataclass(frozen=True)
class HopPorts:
    """What one hop reads and records through: the flows' ports and the school behind a dialled code (a
    school's own code goes straight to it; any other is the deployment's shared one), built on the hop's
    unit of work (on PostgreSQL one database session for all of the hop's reads)."""

    ports: Ports
    school_for_code: Callable[[str], int | None]


class UssdHandler:
    """Answers one USSD hop as Africa's Talking sends it (``bot.routes.ussd`` calls ``hop``): holds the
    conversation in the store (locked, with the phone's last session, in one round trip), reduces the
    gateway's ``text`` to the new input(s), steps the flow and keeps what it answered.

    It holds the conversation store and ``open_hop``, which ``bot.channels.compose`` supplies: a context
    manager giving each hop its ports on that hop's own unit of work, closed when the hop is answered.
    """

    def __init__(
        self, store: ConversationStore, open_hop: Callable[[], AbstractContextManager[HopPorts]]
    ) -> None:
        self.store = store
        self.open_hop = open_hop

    def hop(self, session_id: str, service_code: str, phone: str, text: str) -> str:
        """The reply body for one hop, already prefixed with ``CON `` or ``END ``."""
        phone = _e164_or_raw(phone)
        key, last = f"ussd:{session_id}", f"ussd-last:{phone}"
        # The session and the phone's last one are read together: a new dial needs the latter to offer
        # resuming, and a second key in the same round trip costs less than a second round trip.
        with self.store.hold(key, last) as held, self.open_hop() as hop:
            saved = held.found[key]
            if saved is None:
                conversation, screen = _begin(hop, phone, service_code, held.found[last])
            else:
                inputs = new_inputs(saved["raw"], text)
                if inputs is None:
                    return str(saved["reply"])  # the gateway retried a hop we answered
                conversation, screen = _apply(
                    hop.ports, flows.Conversation.from_dict(saved["conversation"]), inputs
                )
            reply = ("END " if screen.end else "CON ") + screen.render()
            _keep(held, (key, last), service_code, text, conversation, screen, reply)
            return reply


def _apply(
    ports: Ports, conversation: flows.Conversation, inputs: list[str]
) -> tuple[flows.Conversation, flows.Screen]:
    """Step through each new input (several when hops were skipped); stop at an ending screen."""
    for typed in inputs[:-1]:
        conversation, screen = flows.step(conversation, typed.strip(), ports)
        if screen.end:
            return conversation, screen
    return flows.step(conversation, inputs[-1].strip(), ports)


def _begin(
    hop: HopPorts, phone: str, service_code: str, previous: dict[str, Any] | None
) -> tuple[flows.Conversation, flows.Screen]:
    """A new session (or one whose state expired): offer to resume a recent one, else start at home."""
    if previous is not None and previous.get("service_code") == service_code:
        conversation = flows.Conversation.from_dict(previous["conversation"])
        if flows.resumable(conversation):
            return flows.offer_resume(conversation, hop.ports)
    return flows.start(phone, hop.ports, school_id=hop.school_for_code(service_code))


def _keep(
    held: LockedState,
    keys: tuple[str, str],
    service_code: str,
    text: str,
    conversation: flows.Conversation,
    screen: flows.Screen,
    reply: str,
) -> None:
    """Save the session, and the phone's last session for a redial to resume (gone once it ended)."""
    key, last = keys
    stored = conversation.to_dict()
    held.save(key, {"raw": text, "reply": reply, "conversation": stored}, SESSION_TTL_SECONDS)
    if screen.end:
        held.delete(last)
    else:
        held.save(last, {"service_code": service_code, "conversation": stored}, RESUME_TTL_SECONDS)


@functools.lru_cache(maxsize=4096)
def _e164_or_raw(phone: str) -> str:
    # Kept per process: a phone dials hop after hop, and parsing it (``phonenumbers``) cost a tenth of a
    # hop's CPU; the answer depends on the text alone.
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()[:20]  # reaches nobody: the flow answers with its polite end
