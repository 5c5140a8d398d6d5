"""The Daraja simulator's settings and the core its parts share: the lock, the settings, the clock, the JSON
callback poster and the merchants. ``StkPrompts`` and ``C2BDesk`` hold a ``DarajaCore``, so they need nothing
of the whole simulator that holds them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from providers.simulators.common import ControlError, SimulatorState
from providers.simulators.daraja_rules import Merchant, merchants
from providers.simulators.daraja_wire import JsonPoster

# Safaricom stamps its times in Nairobi; providers may not import the ledger, so not ledger.clock.
NAIROBI = ZoneInfo("Africa/Nairobi")
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"  # Safaricom's public one
MSISDN_MODES = ("masked", "hashed", "plain")
CALLBACK_MODES = ("send", "drop", "duplicate")


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


class DarajaCore(SimulatorState[DarajaConfig]):
    """What every part of the Daraja simulator touches: settings, recorder, faults, lock, clock, poster."""

    def __init__(
        self, config: DarajaConfig | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(config or DarajaConfig())
        self.poster: JsonPoster = JsonPoster()
        self.clock = clock or (lambda: dt.datetime.now(NAIROBI))

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

    def merchants(self) -> dict[str, Merchant]:
        return merchants(self.config.shortcodes)
