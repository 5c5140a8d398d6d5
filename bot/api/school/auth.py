"""Who is calling: the school API key in ``Authorization: Bearer KEY``, its scope, and its rate."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.exceptions import RedisError

from bot.api.problems import Problem
from bot.api.school.ratelimit import KeyLimiter, key_limiter
from bot.bootstrap import Services
from ledger.db import transaction
from ledger.staff.api_keys import Scope, key_for, note_use

log = logging.getLogger(__name__)
bearer = HTTPBearer(auto_error=False, description="A school API key (`karo apikey create`).")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """The school a request acts for, through which key."""

    school_id: int
    key_id: int
    scope: Scope
    prefix: str

    @property
    def actor(self) -> str:
        """How the audit log and the journal name changes made with this key."""
        return f"api:{self.prefix}"


def _limiter(request: Request, services: Services) -> KeyLimiter:
    state = request.app.state
    if getattr(state, "key_limiter", None) is None:
        state.key_limiter = key_limiter(services.redis, services.settings.api_rate_per_minute)
    limiter: KeyLimiter = state.key_limiter
    return limiter


def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None, needs: Scope) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(
            401, "Not signed in", "Send a school API key as Authorization: Bearer KEY.", headers=CHALLENGE
        )
    services: Services = request.app.state.services
    with transaction(services.sessions) as session:
        key = key_for(session, credentials.credentials.strip())
        if key is None:
            raise Problem(
                401, "Not signed in", "That API key is not known or was revoked.", headers=CHALLENGE
            )
        note_use(key, dt.datetime.now(dt.UTC))
        caller = Caller(key.school_id, key.id, key.scope, key.prefix)
    if needs is Scope.WRITE and caller.scope is not Scope.WRITE:
        raise Problem(403, "Not allowed", "This key may only read; changes need a key with the write scope.")
    try:
        wait = _limiter(request, services).wait_for(caller.key_id)
    except RedisError:  # a limiter that cannot count does not take the API down with it
        log.warning("API rate limiter unreachable; request let through", exc_info=True)
        wait = 0
    if wait:
        detail = f"This key made more than {services.settings.api_rate_per_minute} requests this minute."
        raise Problem(429, "Too many requests", detail, headers={"Retry-After": str(wait)})
    return caller


def read_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    return _caller(request, credentials, Scope.READ)


def write_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    return _caller(request, credentials, Scope.WRITE)


Reader = Annotated[Caller, Depends(read_caller)]
Writer = Annotated[Caller, Depends(write_caller)]
