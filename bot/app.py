"""The FastAPI application, built from Services (``create_app``) or the environment (``app_from_env``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from bot.api.app import PREFIX as API_PREFIX
from bot.api.app import api_app
from bot.background import Background, running
from bot.bootstrap import Services, bootstrap
from bot.channels.compose import compose_channels
from bot.dashboard.routes import install_dashboard
from bot.demo import sandbox
from bot.logs import RequestIdMiddleware
from bot.mpesa.compose import compose_mpesa, push_scheduler
from bot.mpesa.desk import MpesaDesk
from bot.routes import daraja, documents, health, home, messages, ussd
from bot.settings import get_settings

_Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    services: Services, background: Background | None = None, mpesa: MpesaDesk | None = None
) -> FastAPI:
    """The web app over ``services``; routes find them on ``app.state.services``.

    ``background`` is the work its lifespan runs while a server (or a ``TestClient`` block) serves it:
    ``karo serve`` and ``karo demo`` pass one; without it the app only answers requests. ``mpesa``: the
    M-Pesa desk (tests pass one with a fake gateway or fast timings); by default composed from ``services``.
    """
    app = FastAPI(title="Karo", docs_url=None, redoc_url=None, lifespan=_lifespan(background))
    app.state.services = services
    # The desk first: the parent ports are handed its schedule_push, so a recorded request gets pushed.
    app.state.mpesa = desk = mpesa if mpesa is not None else compose_mpesa(services)
    channels = compose_channels(services, schedule_push=push_scheduler(desk))
    app.state.ussd, app.state.inbound = channels.ussd, channels.inbound
    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(ussd.router)
    app.include_router(messages.router)
    app.include_router(daraja.router)
    app.include_router(documents.router)
    install_dashboard(app, services.settings.secret_key)
    app.mount(API_PREFIX, api := api_app(services))
    api.state.schedule_push = push_scheduler(desk)  # the parent API starts M-Pesa prompts through the desk
    if services.settings.sandbox:
        app.include_router(sandbox.router)
    app.add_middleware(RequestIdMiddleware)  # outermost: every log line of a request carries its id
    return app


def _lifespan(background: Background | None) -> _Lifespan | None:
    if background is None:
        return None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with running(background, app.state.services, app.state.inbound.store, app.state.mpesa):
            yield

    return lifespan


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory bot.app:app_from_env`` (what ``karo serve`` runs): without Redis it
    sends from the outbox and runs the schedule itself."""
    settings = get_settings()
    return create_app(bootstrap(settings), Background.without_redis(settings))
