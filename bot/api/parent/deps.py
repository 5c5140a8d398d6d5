"""What every parent route needs: the services, and the signed-in phone from ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.pages import MAX_LIMIT
from bot.api.parent.tables import ParentToken
from bot.api.problems import Problem
from bot.bootstrap import Services
from ledger.clock import utc_now
from ledger.errors import NotFound
from ledger.records import parents
from ledger.records.tables import Student

_bearer = HTTPBearer(auto_error=False, description="The token from POST /parent/token.")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def read_session(request: Request) -> Iterator[Session]:
    """One short read session for the request."""
    with services_of(request).sessions() as session:
        yield session


def _signed_in(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    refused = Problem(
        401,
        "Not signed in",
        "Send a token from POST /parent/token as Authorization: Bearer TOKEN.",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None or not credentials.credentials:
        raise refused
    with services_of(request).sessions() as session:
        token = session.scalars(
            select(ParentToken).where(ParentToken.token_hash == digest(credentials.credentials))
        ).one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= utc_now():
        raise refused
    return token.phone


Phone = Annotated[str, Depends(_signed_in)]
Db = Annotated[Session, Depends(read_session)]


def own_child(session: Session, phone: str, student_id: int) -> Student:
    """The student if a child of this phone; else 404, the same as a student that does not exist."""
    try:
        return parents.child_of(session, phone, student_id)
    except NotFound:
        raise Problem(404, "Not found", f"No child {student_id} for this phone.") from None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page.")]
MAX_ID = 2**31 - 1  # the ids are PostgreSQL integers: a larger one is a 422, not a database error
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
