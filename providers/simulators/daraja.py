"""A local M-Pesa Daraja: OAuth, STK push and query, C2B URL registration and payments, answered in
Daraja's wire format (errors as ``{"requestId", "errorCode", "errorMessage"}``) so ``DarajaClient`` runs
unchanged against it.

As Safaricom does, each new token for a shortcode invalidates the previous one (API calls with it get
404.001.03), the STK Password must be base64(shortcode + passkey + the body's Timestamp), a second push to a
phone with an open prompt is "Unable to lock subscriber", and the query says "being processed" (HTTP 500)
until the prompt is resolved. Callbacks are POSTed as JSON from a background thread.

Control routes (besides the common ``/_sim/messages``, ``/_sim/callbacks``, ``/_sim/config``,
``/_sim/reset`` and ``/_sim/fail``):

- ``GET /_sim/stk?phone=&status=``: the prompts; ``GET /_sim/stk/{id}``: one.
- ``POST /_sim/stk/{id}/resolve`` ``{"result_code": 0|1|1032|1037|2001|"SFC_IC0003", "callback":
  "send"|"drop"|"duplicate", "copies": N, "callback_delay": s, "receipt": "...", "delay": s}``; omitted
  fields take the configured defaults; ``delay`` resolves later (an ignored prompt: 1037 after a while).
- ``GET /_sim/oauth``: tokens issued per shortcode; ``POST /_sim/oauth/revoke`` ``{"shortcode"}``.
- ``GET /_sim/c2b``: registrations, payments, balances; ``POST /_sim/c2b/pay`` ``{"shortcode", "amount",
  "bill_ref", "phone", "trans_id"?, "copies"?, "first_name"?, "wait"?}``.
- Faults for ``POST /_sim/fail``: ``{"error": "500.003.02"}`` (an envelope; ``"message"`` optional),
  ``{"status": 503}`` (a bare HTTP error), ``{"delay": 3}``; each for the next API call, or only for the
  next call to ``"api": "oauth"|"stkpush"|"query"|"registerurl"|"simulate"``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import datetime as dt
import secrets
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response

from providers.simulators.common import ControlError, SimulatorState, control_error, control_routes
from providers.simulators.daraja_c2b import C2BDesk
from providers.simulators.daraja_routes import api_routes, control_routes_for
from providers.simulators.daraja_rules import Merchant, merchants
from providers.simulators.daraja_stk import CALLBACK_MODES, StkPrompts
from providers.simulators.daraja_wire import ERROR_MESSAGES, INVALID_TOKEN, JsonPoster, Refusal, access_token

# Safaricom stamps its times in Nairobi; providers may not import the ledger, so not ledger.clock.
NAIROBI = ZoneInfo("Africa/Nairobi")
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"  # Safaricom's public one
MSISDN_MODES = ("masked", "hashed", "plain")


def _default_shortcodes() -> dict[str, Any]:
    return {
        "174379": {
            "passkey": SANDBOX_PASSKEY,
            "consumer_key": "sim-key-174379",
            "consumer_secret": "sim-secret",
        },
        "600984": {
            "passkey": SANDBOX_PASSKEY,
            "consumer_key": "sim-key-600984",
            "consumer_secret": "sim-secret",
            "validation": True,
        },
    }


@dataclasses.dataclass(frozen=True)
class DarajaConfig:
    """The simulator's settings; change them with ``POST /_sim/config``."""

    # shortcode -> {"passkey", "consumer_key", "consumer_secret", "validation": C2B validation enabled}
    shortcodes: dict[str, Any] = dataclasses.field(default_factory=_default_shortcodes)
    token_ttl: int = 3599
    expires_in_as_text: bool = True  # "3599", as many SDK samples show, to catch int-parsing bugs
    auto_resolve: bool = True  # resolve each prompt with ``outcome`` after ``delay`` (off for the sandbox)
    outcome: int = 0  # 0 paid, 1 insufficient funds, 1032 cancelled, 1037 unreachable, 2001 wrong PIN
    delay: float = 0.05
    prompt_timeout: float = 90.0  # without auto_resolve: an unanswered prompt ends 1037 (0: never)
    callback: str = "send"  # "send", "drop" or "duplicate"
    copies: int = 2  # callbacks sent when duplicating
    callback_delay: float = 0.0  # a late callback: seconds between the outcome and its callback
    lock_subscriber: bool = True  # refuse a push to a phone with an open prompt
    msisdn: str = "masked"  # C2B MSISDN: "masked" (v2), "hashed" (v1) or "plain"
    validation_timeout: float = 8.0
    production: bool = False  # C2B URLs register once (then 500.003.1001 "Urls are already registered")


class DarajaSimulator(SimulatorState[DarajaConfig]):
    """Everything the Daraja simulator knows: tokens, STK prompts, C2B registrations and payments."""

    def __init__(
        self, config: DarajaConfig | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(config or DarajaConfig())
        self.poster: JsonPoster = JsonPoster()
        self.clock = clock or (lambda: dt.datetime.now(NAIROBI))
        self.stk = StkPrompts(self)
        self.c2b = C2BDesk(self)
        self._tokens: dict[str, tuple[str, float]] = {}  # shortcode -> (current token, monotonic expiry)
        self._issued: Counter[str] = Counter()

    def configure(self, changes: dict[str, Any]) -> DarajaConfig:
        if "shortcodes" in changes:
            try:
                merchants(changes["shortcodes"])
            except (ValueError, AttributeError) as exc:
                raise ControlError(f"shortcodes: {exc}") from exc
        if changes.get("callback", "send") not in CALLBACK_MODES:
            raise ControlError(f"callback is one of {', '.join(CALLBACK_MODES)}")
        if changes.get("msisdn", "masked") not in MSISDN_MODES:
            raise ControlError(f"msisdn is one of {', '.join(MSISDN_MODES)}")
        return super().configure(changes)

    def on_reset(self) -> None:
        self._tokens.clear()
        self._issued.clear()
        self.stk.clear()
        self.c2b.clear()

    def merchants(self) -> dict[str, Merchant]:
        return merchants(self.config.shortcodes)

    def issue_token(self, authorization: str | None, grant_type: str | None) -> dict[str, Any]:
        """A new token for the app whose consumer key and secret are in ``authorization`` (Basic)."""
        if grant_type != "client_credentials":
            raise Refusal("400.008.02", "Invalid grant type passed")
        key, secret = _basic(authorization)
        merchant = next((m for m in self.merchants().values() if m.consumer_key == key), None)
        if merchant is None or not secrets.compare_digest(merchant.consumer_secret, secret):
            raise Refusal("400.008.01", "Invalid Authentication passed")
        ttl, token = self.config.token_ttl, access_token()
        with self.lock:
            self._tokens[merchant.shortcode] = (token, time.monotonic() + ttl)  # the old one dies here
            self._issued[merchant.shortcode] += 1
        return {"access_token": token, "expires_in": str(ttl) if self.config.expires_in_as_text else ttl}

    def token_owner(self, authorization: str | None) -> str:
        """The shortcode whose current, unexpired token is the request's Bearer, else 404.001.03."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self.lock:
            for shortcode, (current, expires) in self._tokens.items():
                if token and secrets.compare_digest(token, current) and time.monotonic() < expires:
                    return shortcode
        raise Refusal(INVALID_TOKEN, ERROR_MESSAGES[INVALID_TOKEN])

    def revoke(self, shortcode: str) -> None:
        with self.lock:
            if self._tokens.pop(shortcode, None) is None:
                raise ControlError(f"no token issued for {shortcode}")

    def oauth_state(self) -> dict[str, Any]:
        with self.lock:
            return {"issued": dict(self._issued), "current": {k: v[0] for k, v in self._tokens.items()}}

    def take_fault_for(self, api: str) -> dict[str, Any] | None:
        """The first scripted fault aimed at ``api``; untargeted faults never hit OAuth."""
        with self.lock:
            for fault in list(self._faults):
                if fault.get("api", api if api != "oauth" else None) == api:
                    self._faults.remove(fault)
                    return fault
        return None

    async def faulted(self, api: str) -> Response | None:
        """Apply the next fault for ``api``: wait, answer with a bare HTTP error, or raise its envelope."""
        fault = self.take_fault_for(api) or {}
        if fault.get("delay"):
            await asyncio.sleep(float(fault["delay"]))
        if fault.get("error"):
            code = str(fault["error"])
            raise Refusal(code, str(fault.get("message") or ERROR_MESSAGES.get(code, "Simulated error")))
        if fault.get("status"):
            return PlainTextResponse("<html><body>Service Unavailable</body></html>", int(fault["status"]))
        return None


def _basic(authorization: str | None) -> tuple[str, str]:
    if not authorization or not authorization.startswith("Basic "):
        raise Refusal("400.008.01", "Invalid Authentication passed")
    try:
        key, _, secret = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Refusal("400.008.01", "Invalid Authentication passed") from exc
    return key, secret


def create_app(sim: DarajaSimulator | None = None) -> Starlette:
    """The simulator as an ASGI app; its state is ``app.state.sim``."""
    sim = sim or DarajaSimulator()
    routes = [*api_routes(sim), *control_routes_for(sim), *control_routes(sim)]
    app = Starlette(routes=routes, exception_handlers={ControlError: control_error})
    app.state.sim = sim
    return app
