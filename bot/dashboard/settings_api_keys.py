"""School API keys on the settings pages: everyone sees which keys exist and when each was last used;
only the head creates, rotates and revokes them. A new key is shown once, on the page that made it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.dashboard.settings_index import may_manage_staff, refuse_unless_head
from bot.routes.deps import SessionDep
from ledger.staff.api_keys import (
    ApiKey,
    InvalidApiKey,
    Scope,
    create_key,
    key_snapshot,
    parse_scope,
    revoke_key,
    rotate_key,
    school_key,
    school_keys,
)

router = APIRouter()
PAGE = "/dashboard/settings/api-keys"


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    shown: tuple[ApiKey, str] | None = None,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "may_manage": may_manage_staff(staff),
        "keys": school_keys(session, staff.school_id),
        "scopes": [scope.value for scope in Scope],
        "shown": shown,
        "error": error,
        "done": done,
    }
    page = render(request, "settings_api_keys.html", context, status_code=status)
    if shown is not None:  # the key itself is on this page: no cache keeps it
        page.headers["Cache-Control"] = "no-store"
    return page


def _key(session: Session, staff: Staff, key_id: int) -> ApiKey:
    """A key of this school; another school's is 404, before any role check."""
    key = school_key(session, staff.school_id, key_id)
    if key is None:
        raise HTTPException(404, "No such API key.")
    return key


@router.get(PAGE)
def keys_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post(PAGE)
def create(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    refuse_unless_head(staff)
    now = config_of(request).clock()
    try:
        key, secret = create_key(
            session, staff.school_id, name, parse_scope(scope), actor=staff.member.email, now=now
        )
    except InvalidApiKey as bad:
        session.rollback()
        return _page(request, staff, session, error=str(bad), status=422)
    staff.audit(session, action="apikey.create", at=now, target=f"apikey:{key.id}", after=key_snapshot(key))
    session.commit()
    return _page(request, staff, session, shown=(key, secret))


@router.post(PAGE + "/{key_id}/rotate")
def rotate(request: Request, key_id: int, staff: StaffDep, session: SessionDep) -> Response:
    old = _key(session, staff, key_id)
    refuse_unless_head(staff)
    now = config_of(request).clock()
    before = key_snapshot(old)
    try:
        key, secret = rotate_key(session, old, actor=staff.member.email, now=now)
    except InvalidApiKey as bad:
        session.rollback()
        return _page(request, staff, session, error=str(bad), status=422)
    after = key_snapshot(key) | {"replaces": old.prefix}
    staff.audit(
        session, action="apikey.rotate", at=now, target=f"apikey:{old.id}", before=before, after=after
    )
    session.commit()
    return _page(request, staff, session, shown=(key, secret))


@router.post(PAGE + "/{key_id}/revoke")
def revoke(request: Request, key_id: int, staff: StaffDep, session: SessionDep) -> Response:
    key = _key(session, staff, key_id)
    refuse_unless_head(staff)
    now = config_of(request).clock()
    before = key_snapshot(key)
    if revoke_key(key, now):
        staff.audit(
            session,
            action="apikey.revoke",
            at=now,
            target=f"apikey:{key.id}",
            before=before,
            after=key_snapshot(key),
        )
    session.commit()
    return _page(
        request, staff, session, done=f"Key {key.prefix}... ({key.name}) is revoked: it no longer works."
    )
