"""The server under test in ``bench.ussd``: Karo's real app plus two routes for comparison.

    uvicorn --factory bench.ussd_app:app --workers 2

``POST /ceiling`` answers ``CON ok`` without reading the request: what the same uvicorn workers, Starlette
routing and middleware cost on their own, so a USSD hop can be measured against it in one run.
``POST /route-only/at/ussd/{token}`` is Karo's own USSD route (``bot.routes.ussd``: the five form fields,
the token check, a sync endpoint run in the thread pool) in front of a handler that answers at once, so
that the web layer's share of a hop can be told from the handler's (Redis, PostgreSQL, the flows).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bot.app import app_from_env
from bot.routes import ussd
from flows.menu import ITEMS
from flows.texts import TEXTS

CEILING = "/ceiling"
ROUTE_ONLY = "/route-only"
MENU = "\n".join(["CON Achieng Otieno", *(f"{key}. {TEXTS['en'][text]}" for key, text, _ in ITEMS), "0 Back"])


async def ceiling(request: Request) -> PlainTextResponse:
    return PlainTextResponse("CON ok")


class InstantHandler:
    """Stands in for ``UssdHandler``: the main menu, whatever was pressed, with no Redis and no database."""

    def hop(self, session_id: str, service_code: str, phone: str, text: str) -> str:
        return MENU


def app() -> FastAPI:
    """Karo as ``karo serve`` builds it (settings from ``KARO_*``), with the two routes added."""
    karo = app_from_env()
    karo.router.add_route(CEILING, ceiling, methods=["POST"])
    route_only = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    route_only.state.services = karo.state.services
    route_only.state.ussd = InstantHandler()
    route_only.include_router(ussd.router)
    karo.mount(ROUTE_ONLY, route_only)
    return karo
