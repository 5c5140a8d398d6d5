"""FastAPI dependencies: the Services the app was created with, a database session per request, and the
router of unsigned webhooks, whose token is checked once for all of its routes."""

from __future__ import annotations

import hmac
import inspect
from collections.abc import Awaitable, Callable, Collection, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from bot import metrics
from bot.bootstrap import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A session for one request; the route commits what it means to keep."""
    with services.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def check_webhook_token(services: Services, token: str) -> None:
    """Unsigned callbacks carry the deployment's secret in their path: anything else is refused, and
    with no token configured every such callback is refused."""
    expected = services.settings.webhook_token
    if not expected or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        metrics.CALLBACKS.labels("token", "forbidden").inc()  # no route label: only the path is at hand
        raise HTTPException(status_code=403, detail="forbidden")


def require_webhook_token(request: Request) -> None:
    """The ``{token}`` segment of the path against ``KARO_WEBHOOK_TOKEN``: 403 before the body is read."""
    check_webhook_token(request.app.state.services, str(request.path_params.get("token", "")))


Endpoint = Callable[[Request], Awaitable[Response] | Response]


class WebhookRouter(APIRouter):
    """The routes of unsigned callbacks (Africa's Talking, Daraja): every one, FastAPI route or plain
    Starlette endpoint, passes the token check here, so no route can forget it."""

    def __init__(self) -> None:
        super().__init__(dependencies=[Depends(require_webhook_token)])

    def add_route(
        self,
        path: str,
        endpoint: Endpoint,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        super().add_route(path, _guarded(endpoint), methods, name, include_in_schema)


def _guarded(endpoint: Endpoint) -> Endpoint:
    """A plain Starlette endpoint (no FastAPI dependencies run for it) behind the token check."""

    async def guarded(request: Request) -> Response:
        require_webhook_token(request)
        response = endpoint(request)
        return await response if inspect.isawaitable(response) else response

    guarded.__name__ = guarded.__qualname__ = getattr(endpoint, "__name__", "guarded")
    return guarded
