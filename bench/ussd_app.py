"""The server under test in ``bench.ussd``: Karo's real app plus four routes for comparison.

    uvicorn --factory bench.ussd_app:app --workers 2

``POST /ceiling`` answers ``CON ok`` without reading the request: what the same uvicorn workers, Starlette
routing and middleware cost on their own, so a USSD hop can be measured against it in one run.
``POST /route-only/at/ussd/{token}`` is Karo's own USSD route (``bot.routes.ussd``: the token check, the
form parsed, the handler run on the route's own threads) in front of a handler that answers at once, so
that the web layer's share of a hop can be told from the handler's (Redis, PostgreSQL, the flows).
``POST /route-before/at/ussd/{token}`` is the route as it was before it was made async (a sync endpoint
with FastAPI ``Form`` fields, run in anyio's default thread pool of 40) in front of the same handler.
``POST /io-ceiling`` does a hop's least I/O and nothing else (``bench.ussd_io_ceiling``).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Form
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bench.ussd_io_ceiling import IO_CEILING, io_ceiling
from bot.app import app_from_env
from bot.routes import ussd
from bot.routes.deps import ServicesDep, check_webhook_token
from flows.menu import ITEMS
from flows.texts import TEXTS

CEILING = "/ceiling"
ROUTE_ONLY = "/route-only"
ROUTE_BEFORE = "/route-before"
MENU = "\n".join(["CON Achieng Otieno", *(f"{key}. {TEXTS['en'][text]}" for key, text, _ in ITEMS), "0 Back"])


async def ceiling(request: Request) -> PlainTextResponse:
    return PlainTextResponse("CON ok")


class InstantHandler:
    """Stands in for ``UssdHandler``: the main menu, whatever was pressed, with no Redis and no database."""

    def hop(self, session_id: str, service_code: str, phone: str, text: str) -> str:
        return MENU


before = APIRouter()


@before.post("/at/ussd/{token}", response_class=PlainTextResponse)
def ussd_hop_before(
    request: Request,
    token: str,
    services: ServicesDep,
    sessionId: str = Form(""),  # noqa: N803
    serviceCode: str = Form(""),  # noqa: N803
    phoneNumber: str = Form(""),  # noqa: N803
    text: str = Form(""),
) -> str:
    """``bot.routes.ussd.ussd_hop`` until the hop's speed changes, less its error handling."""
    check_webhook_token(services, token)
    if not sessionId or not phoneNumber:
        return ussd.FAILED
    return request.app.state.ussd.hop(sessionId, serviceCode, phoneNumber, text)  # type: ignore[no-any-return]


def app() -> FastAPI:
    """Karo as ``karo serve`` builds it (settings from ``KARO_*``), with the four routes added."""
    karo = app_from_env()
    karo.router.add_route(CEILING, ceiling, methods=["POST"])
    karo.router.add_route(IO_CEILING, io_ceiling, methods=["POST"])
    for prefix, router in ((ROUTE_ONLY, ussd.router), (ROUTE_BEFORE, before)):
        instant = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        instant.state.services = karo.state.services
        instant.state.ussd = InstantHandler()
        instant.include_router(router)
        karo.mount(prefix, instant)
    return karo
