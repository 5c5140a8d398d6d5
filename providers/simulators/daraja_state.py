"""Everything the Daraja simulator knows: its core (settings, recorder, faults), OAuth tokens, STK prompts,
and C2B registrations and payments. The app's endpoints (``daraja_routes``) find it on ``app.state.sim``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import secrets
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from starlette.responses import PlainTextResponse, Response

from providers.simulators.common import ControlError
from providers.simulators.daraja_c2b import C2BDesk
from providers.simulators.daraja_core import DarajaConfig, DarajaCore
from providers.simulators.daraja_stk import StkPrompts
from providers.simulators.daraja_wire import ERROR_MESSAGES, INVALID_TOKEN, Refusal, access_token


class DarajaSimulator(DarajaCore):
    """Everything the Daraja simulator knows: tokens, STK prompts, C2B registrations and payments."""

    def __init__(
        self, config: DarajaConfig | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(config, clock)
        self.stk = StkPrompts(self)
        self.c2b = C2BDesk(self)
        self._tokens: dict[str, tuple[str, float]] = {}  # shortcode -> (current token, monotonic expiry)
        self._issued: Counter[str] = Counter()

    def on_reset(self) -> None:
        self._tokens.clear()
        self._issued.clear()
        self.stk.clear()
        self.c2b.clear()

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
