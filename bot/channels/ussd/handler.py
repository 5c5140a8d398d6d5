"""One USSD hop: find the session, apply the new input(s) to the conversation, answer ``CON``/``END``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import flows
from bot.channels.conversations import Held, SessionStore
from bot.channels.ussd.hops import new_inputs
from flows.ports import Ports
from ledger.errors import InvalidPhone
from ledger.phones import normalise_phone

SESSION_TTL_SECONDS = 180  # Africa's Talking ends a session after 180 s at most
RESUME_TTL_SECONDS = 300  # a parent who redials within 5 minutes is offered to continue


class UssdHandler:
    def __init__(
        self,
        store: SessionStore,
        ports: Ports,
        school_for_code: Callable[[str], int | None],
        unit_of_work: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.store = store
        self.ports = ports
        self.school_for_code = school_for_code
        self.unit_of_work = unit_of_work  # shares one database session among a hop's reads

    def hop(self, session_id: str, service_code: str, phone: str, text: str) -> str:
        """The reply body for one hop, already prefixed with ``CON `` or ``END ``."""
        phone = _e164_or_raw(phone)
        key, last = f"ussd:{session_id}", f"ussd-last:{phone}"
        # The session and the phone's last one are read together: a new dial needs the latter to offer
        # resuming, and a second key in the same round trip costs less than a second round trip.
        with self.store.hold(key, last) as held, self.unit_of_work():
            saved = held.found[key]
            if saved is None:
                conversation, screen = self._begin(phone, service_code, held.found[last])
            else:
                inputs = new_inputs(saved["raw"], text)
                if inputs is None:
                    return str(saved["reply"])  # the gateway retried a hop we answered
                conversation, screen = self._apply(
                    flows.Conversation.from_dict(saved["conversation"]), inputs
                )
            reply = ("END " if screen.end else "CON ") + screen.render()
            _keep(held, (key, last), service_code, text, conversation, screen, reply)
            return reply

    def _apply(
        self, conversation: flows.Conversation, inputs: list[str]
    ) -> tuple[flows.Conversation, flows.Screen]:
        """Step through each new input (several when hops were skipped); stop at an ending screen."""
        for typed in inputs[:-1]:
            conversation, screen = flows.step(conversation, typed.strip(), self.ports)
            if screen.end:
                return conversation, screen
        return flows.step(conversation, inputs[-1].strip(), self.ports)

    def _begin(
        self, phone: str, service_code: str, previous: dict[str, Any] | None
    ) -> tuple[flows.Conversation, flows.Screen]:
        """A new session (or one whose state expired): offer to resume a recent one, else start at home."""
        if previous is not None and previous.get("service_code") == service_code:
            conversation = flows.Conversation.from_dict(previous["conversation"])
            if flows.resumable(conversation):
                return flows.offer_resume(conversation, self.ports)
        return flows.start(phone, self.ports, school_id=self.school_for_code(service_code))


def _keep(
    held: Held,
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


def _e164_or_raw(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()[:20]  # reaches nobody: the flow answers with its polite end
