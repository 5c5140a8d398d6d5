"""The simulator's STK prompts: one per accepted push, open on the phone until an answer resolves it (a
control call, the sandbox's PIN prompt, the configured default after ``delay``, or 1037 after
``prompt_timeout``), then its callback delivered as configured: sent, dropped, duplicated, or late."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

from providers.simulators.callbacks import Callback, Schedule
from providers.simulators.common import ControlError
from providers.simulators.daraja_core import CALLBACK_MODES, DarajaCore
from providers.simulators.daraja_wire import (
    BUSY,
    ERROR_MESSAGES,
    RESULT_DESCRIPTIONS,
    Refusal,
    checkout_request_id,
    merchant_request_id,
    receipt_number,
    result_code,
    stk_callback,
)

UNREACHABLE = 1037  # what an ignored prompt ends as


@dataclasses.dataclass
class Prompt:
    """One push, as ``GET /_sim/stk`` lists it (and as the sandbox's phone shows it)."""

    checkout_request_id: str
    merchant_request_id: str
    shortcode: str
    phone: str
    amount: int
    account_reference: str
    description: str
    callback_url: str
    created_at: str
    status: str = "pending"  # then "resolved"
    result_code: str | None = None
    result_desc: str | None = None
    receipt: str | None = None
    resolved_at: str | None = None
    callback: str | None = None  # "send", "drop" or "duplicate", once resolved
    copies: int = 0  # callbacks scheduled


@dataclasses.dataclass(frozen=True)
class PromptAnswer:
    """How the phone answers a prompt: the result, a forced receipt, and what happens to the callback."""

    result_code: int | str
    callback: str = "send"
    copies: int = 1
    callback_delay: float = 0.0
    receipt: str | None = None


class StkPrompts:
    """The open and resolved prompts of a ``DarajaSimulator``, guarded by its lock."""

    def __init__(self, sim: DarajaCore) -> None:
        self._sim = sim
        self._prompts: dict[str, Prompt] = {}

    def open(self, shortcode: str, fields: dict[str, Any]) -> Prompt:
        """Show a prompt on the phone, or ``Refusal`` while another is open there ("Unable to lock")."""
        sim, now = self._sim, self._sim.clock()
        with sim.lock:
            busy = any(p.phone == fields["phone"] and p.status == "pending" for p in self._prompts.values())
            if busy and sim.config.lock_subscriber:
                raise Refusal(BUSY, ERROR_MESSAGES[BUSY])
            prompt = Prompt(
                checkout_request_id=self._new_id(now, fields["phone"]),
                merchant_request_id=merchant_request_id(),
                shortcode=shortcode,
                created_at=now.isoformat(),
                **{k: fields[k] for k in ("phone", "amount", "account_reference", "description")},
                callback_url=fields["callback_url"],
            )
            self._prompts[prompt.checkout_request_id] = prompt
        self._schedule_default(prompt)
        return prompt

    def resolve(self, checkout_id: str, answer: PromptAnswer) -> Prompt:
        """Answer a pending prompt and schedule its callbacks; ``ControlError`` if unknown or answered."""
        sim = self._sim
        with sim.lock:
            prompt = self.get(checkout_id)
            if prompt.status != "pending":
                raise ControlError(f"prompt {checkout_id} is already resolved ({prompt.result_code})")
            code = str(answer.result_code)
            prompt.status, prompt.result_code = "resolved", code
            prompt.result_desc = RESULT_DESCRIPTIONS.get(code, f"Simulated result {code}")
            prompt.resolved_at = sim.clock().isoformat()
            prompt.receipt = (answer.receipt or receipt_number()) if code == "0" else None
            prompt.callback = answer.callback
            prompt.copies = 0 if answer.callback == "drop" else answer.copies
            body = stk_callback(dataclasses.asdict(prompt))
        if prompt.copies:
            callbacks = [Callback(prompt.callback_url, body)] * prompt.copies
            sim.poster.schedule(callbacks, Schedule(delay=answer.callback_delay))
        return prompt

    def resolve_later(self, prompt: Prompt, answer: PromptAnswer, after: float) -> None:
        """Resolve ``prompt`` in ``after`` seconds unless something else (or a reset) got there first."""

        def answer_prompt() -> None:
            with self._sim.lock:
                if self._prompts.get(prompt.checkout_request_id) is prompt and prompt.status == "pending":
                    self.resolve(prompt.checkout_request_id, answer)

        timer = threading.Timer(after, answer_prompt)
        timer.daemon = True
        timer.start()

    def get(self, checkout_id: str) -> Prompt:
        with self._sim.lock:
            prompt = self._prompts.get(checkout_id)
        if prompt is None:
            raise ControlError(f"no prompt {checkout_id}")
        return prompt

    def find(self, checkout_id: str) -> Prompt | None:
        with self._sim.lock:
            return self._prompts.get(checkout_id)

    def listing(self, phone: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        with self._sim.lock:
            prompts = [dataclasses.asdict(p) for p in self._prompts.values()]
        return [
            p for p in prompts if (not phone or p["phone"] == phone) and (not status or p["status"] == status)
        ]

    def clear(self) -> None:
        with self._sim.lock:
            self._prompts.clear()

    def answer_from(self, body: dict[str, Any]) -> PromptAnswer:
        """A resolve request ``{"result_code", "callback", "copies", "callback_delay", "receipt"}`` with the
        configured defaults filled in."""
        cfg = self._sim.config
        try:
            code = result_code(body.get("result_code", cfg.outcome))
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
        mode = body.get("callback", cfg.callback)
        if mode not in CALLBACK_MODES:
            raise ControlError(f"callback is one of {', '.join(CALLBACK_MODES)}, not {mode!r}")
        copies = body.get("copies", cfg.copies if mode == "duplicate" else 1)
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ControlError("copies is a whole number >= 1")
        delay = body.get("callback_delay", cfg.callback_delay)
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ControlError("callback_delay is a number of seconds >= 0")
        receipt = body.get("receipt")
        return PromptAnswer(code, mode, copies, float(delay), str(receipt) if receipt else None)

    def _schedule_default(self, prompt: Prompt) -> None:
        cfg = self._sim.config
        if cfg.auto_resolve:
            self.resolve_later(prompt, self.answer_from({}), cfg.delay)
        elif cfg.prompt_timeout > 0:
            self.resolve_later(prompt, self.answer_from({"result_code": UNREACHABLE}), cfg.prompt_timeout)

    def _new_id(self, now: dt.datetime, phone: str) -> str:
        checkout_id = checkout_request_id(now, phone)
        while checkout_id in self._prompts:
            now += dt.timedelta(milliseconds=1)
            checkout_id = checkout_request_id(now, phone)
        return checkout_id


def query_answer(prompt: Prompt) -> dict[str, str]:
    """The STK query's answer once a prompt is resolved: ResultCode as a string, no receipt or amount."""
    if prompt.status == "pending":
        raise Refusal(BUSY, "The transaction is being processed", request_id=prompt.checkout_request_id)
    return {
        "ResponseCode": "0",
        "ResponseDescription": "The service request has been accepted successsfully",
        "MerchantRequestID": prompt.merchant_request_id,
        "CheckoutRequestID": prompt.checkout_request_id,
        "ResultCode": str(prompt.result_code),
        "ResultDesc": str(prompt.result_desc),
    }
