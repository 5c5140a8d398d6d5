"""The simulator's Paybill: registered C2B URLs per shortcode, and a parent paying (``POST /_sim/c2b/pay``
or the sandbox's ``/mpesa/c2b/v2/simulate``): validation first when that shortcode has it enabled, its
ResultCode honoured (``C2B00012`` and friends stop the payment; no usable answer applies the registered
ResponseType), then the confirmation, with the MSISDN masked as C2B v2 does."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

from providers.simulators.common import ControlError
from providers.simulators.daraja_core import DarajaCore
from providers.simulators.daraja_rules import PHONE
from providers.simulators.daraja_wire import c2b_body, hidden_msisdn, receipt_number


@dataclasses.dataclass(frozen=True)
class Registration:
    shortcode: str
    response_type: str  # "Completed" or "Cancelled": the verdict when validation gives no answer
    confirmation_url: str
    validation_url: str


class C2BDesk:
    """Registrations, payments made and each shortcode's balance, guarded by the simulator's lock."""

    def __init__(self, sim: DarajaCore) -> None:
        self._sim = sim
        self._registrations: dict[str, Registration] = {}
        self._payments: list[dict[str, Any]] = []
        self._balances: dict[str, Decimal] = {}

    def register(self, shortcode: str, checked: dict[str, str]) -> Registration:
        registration = Registration(shortcode, **checked)
        with self._sim.lock:
            self._registrations[shortcode] = registration
        return registration

    def registered(self, shortcode: str) -> bool:
        with self._sim.lock:
            return shortcode in self._registrations

    def pay(self, request: dict[str, Any]) -> dict[str, Any]:
        """Make the payment ``request`` describes; blocks while our server answers validation/confirmation."""
        payment, copies = self._payment(request)
        with self._sim.lock:
            registration = self._registrations.get(payment["shortcode"])
        if registration is None:
            raise ControlError(f"no C2B URLs registered for shortcode {payment['shortcode']}")
        merchant = self._sim.merchants().get(payment["shortcode"])
        verdict = self._validate(registration, payment) if merchant and merchant.validation else None
        if verdict and not verdict["accepted"]:
            return self._keep(payment, "rejected", verdict, [])
        body = c2b_body(payment, self._sim.config.msisdn, self._credit(payment))
        poster = self._sim.poster
        answers = [poster.exchange(registration.confirmation_url, body, 5.0) for _ in range(copies)]
        return self._keep(payment, "completed", verdict, [a.get("status_code") for a in answers])

    def pay_in_background(self, request: dict[str, Any]) -> dict[str, Any]:
        """Check the request now, then pay from a thread (for a caller that cannot wait on its own server)."""
        payment, _ = self._payment(request)
        request = {**request, "trans_id": payment["trans_id"]}
        threading.Thread(target=self.pay, args=(request,), daemon=True, name="sim-c2b").start()
        return {"trans_id": payment["trans_id"], "status": "scheduled"}

    def listing(self) -> dict[str, Any]:
        with self._sim.lock:
            return {
                "registrations": {k: dataclasses.asdict(v) for k, v in self._registrations.items()},
                "payments": [dict(p) for p in self._payments],
                "balances": {k: f"{v:.2f}" for k, v in self._balances.items()},
            }

    def clear(self) -> None:
        with self._sim.lock:
            self._registrations.clear()
            self._payments.clear()
            self._balances.clear()

    def _validate(self, registration: Registration, payment: dict[str, Any]) -> dict[str, Any]:
        cfg = self._sim.config
        body = c2b_body(payment, cfg.msisdn)
        entry = self._sim.poster.exchange(registration.validation_url, body, cfg.validation_timeout)
        answer = entry.get("answer")
        code = answer.get("ResultCode") if isinstance(answer, dict) else None
        status = entry.get("status_code")
        answered = isinstance(status, int) and 200 <= status < 300 and code is not None
        accepted = str(code) == "0" if answered else registration.response_type == "Completed"
        return {
            "status_code": status,
            "result_code": None if code is None else str(code),
            "accepted": accepted,
            "default_applied": not answered,
        }

    def _credit(self, payment: dict[str, Any]) -> str:
        with self._sim.lock:
            balance = self._balances.get(payment["shortcode"], Decimal("0")) + Decimal(payment["amount"])
            self._balances[payment["shortcode"]] = balance
        return f"{balance:.2f}"

    def _keep(
        self, payment: dict[str, Any], status: str, verdict: dict[str, Any] | None, confirmations: list[Any]
    ) -> dict[str, Any]:
        msisdn = hidden_msisdn(payment["phone"], self._sim.config.msisdn)
        record = {**payment, "msisdn": msisdn, "status": status, "validation": verdict}
        record["confirmations"] = confirmations
        with self._sim.lock:
            self._payments.append(record)
        return dict(record)

    def _payment(self, request: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """``{"shortcode", "amount", "bill_ref", "phone", "trans_id"?, "copies"?, "first_name"?}`` checked."""
        phone = str(request.get("phone") or "")
        if not PHONE.match(phone):
            raise ControlError(f"phone {phone!r} is not 2547XXXXXXXX or 2541XXXXXXXX")
        copies = request.get("copies", 1)
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ControlError("copies is a whole number >= 1")
        payment = {
            "trans_id": str(request.get("trans_id") or receipt_number()),
            "trans_time": f"{self._sim.clock():%Y%m%d%H%M%S}",
            "amount": _amount(request.get("amount")),
            "shortcode": str(request.get("shortcode") or ""),
            "bill_ref": str(request.get("bill_ref") or ""),
            "phone": phone,
            "first_name": str(request.get("first_name", "JOHN")),
        }
        return payment, copies


def _amount(value: Any) -> str:
    """A positive amount in shillings as C2B writes it: ``"1500.00"``."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ControlError(f"amount {value!r} is not a number") from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ControlError(f"amount {value!r} is not a positive amount in shillings and cents")
    return f"{amount:.2f}"
