"""FastAPI dependencies: the Services the app was created with, and a database session per request."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

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
        raise HTTPException(status_code=403, detail="forbidden")
