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

from starlette.applications import Starlette

from providers.simulators.common import simulator_app
from providers.simulators.daraja_core import NAIROBI, SANDBOX_PASSKEY, DarajaConfig
from providers.simulators.daraja_routes import ROUTES
from providers.simulators.daraja_state import DarajaSimulator

__all__ = ["NAIROBI", "SANDBOX_PASSKEY", "DarajaConfig", "DarajaSimulator", "create_app"]


def create_app(sim: DarajaSimulator | None = None) -> Starlette:
    """The simulator as an ASGI app; its state is ``app.state.sim``."""
    return simulator_app(sim or DarajaSimulator(), ROUTES)
