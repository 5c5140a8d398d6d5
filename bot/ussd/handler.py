"""One USSD hop: find the session, apply the new input(s) to the conversation, answer ``CON``/``END``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import flows
from bot.sessions import SessionStore
from bot.ussd.hops import new_inputs
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
        key = f"ussd:{session_id}"
        with self.store.lock(key), self.unit_of_work():
            saved = self.store.load(key)
            if saved is None:
                conversation, screen = self._begin(phone, service_code)
            else:
                inputs = new_inputs(saved["raw"], text)
                if inputs is None:
                    return str(saved["reply"])  # the gateway retried a hop we answered
                conversation, screen = self._apply(
                    flows.Conversation.from_dict(saved["conversation"]), inputs
                )
            reply = ("END " if screen.end else "CON ") + screen.render()
            self._keep(key, phone, service_code, text, conversation, screen, reply)
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

    def _begin(self, phone: str, service_code: str) -> tuple[flows.Conversation, flows.Screen]:
        """A new session (or one whose state expired): offer to resume a recent one, else start at home."""
        previous = self.store.load(f"ussd-last:{phone}")
        if previous is not None and previous.get("service_code") == service_code:
            conversation = flows.Conversation.from_dict(previous["conversation"])
            if flows.resumable(conversation):
                return flows.offer_resume(conversation, self.ports)
        return flows.start(phone, self.ports, school_id=self.school_for_code(service_code))

    def _keep(
        self,
        key: str,
        phone: str,
        service_code: str,
        text: str,
        conversation: flows.Conversation,
        screen: flows.Screen,
        reply: str,
    ) -> None:
        state = {"raw": text, "reply": reply, "conversation": conversation.to_dict()}
        self.store.save(key, state, SESSION_TTL_SECONDS)
        if screen.end:
            self.store.delete(f"ussd-last:{phone}")
        else:
            last = {"service_code": service_code, "conversation": conversation.to_dict()}
            self.store.save(f"ussd-last:{phone}", last, RESUME_TTL_SECONDS)


def _e164_or_raw(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()[:20]  # reaches nobody: the flow answers with its polite end
