"""The FastAPI application, built from Services (``create_app``) or the environment (``app_from_env``)."""

from __future__ import annotations

from fastapi import FastAPI

from bot.bootstrap import Services, bootstrap
from bot.channels import compose_channels
from bot.dashboard.routes import install_dashboard
from bot.mpesa.compose import install_mpesa
from bot.routes import daraja, health, home, messages, sandbox, ussd
from bot.settings import get_settings


def create_app(services: Services) -> FastAPI:
    """The web app over ``services``; routes find them on ``app.state.services``."""
    app = FastAPI(title="Karo", docs_url=None, redoc_url=None)
    app.state.services = services
    channels = compose_channels(services)
    app.state.ussd, app.state.inbound = channels.ussd, channels.inbound
    app.state.mpesa = install_mpesa(services)
    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(ussd.router)
    app.include_router(messages.router)
    app.include_router(daraja.router)
    install_dashboard(app, services.settings.secret_key)
    if services.settings.sandbox:
        app.include_router(sandbox.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory bot.app:app_from_env`` (what ``karo serve`` runs)."""
    return create_app(bootstrap(get_settings()))
