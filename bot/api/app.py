"""The API's sub-application, mounted at ``/api/v1`` by ``bot.app.create_app``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from bot.api.parent.routes import parent_routers
from bot.api.problems import install_problems
from bot.api.school import school_routers
from bot.bootstrap import Services

PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """Every router of the API (tests walk their routes: a route added here is tested for tenancy)."""
    routers: list[APIRouter] = []
    routers += parent_routers()
    routers += school_routers()
    return routers


def api_app(services: Services) -> FastAPI:
    api = FastAPI(
        title="Karo API",
        version="1",
        summary="Students, fees, payments, attendance and results for school systems and parents' apps.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        servers=[{"url": PREFIX}],
    )
    api.state.services = services
    install_problems(api)
    for router in api_routers():
        api.include_router(router)
    return api
