"""Staff on the settings pages: everyone sees who signs in; only the head teacher invites, changes roles,
disables and resets passwords. An invite or reset is a one-time link (``ledger.staff.invites``) shown here
for the head to pass on: Karo sends no email yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.dashboard.settings_index import may_manage_staff, refuse_unless_head
from bot.routes.deps import ServicesDep, SessionDep
from ledger.clock import NAIROBI
from ledger.staff.invites import (
    IssuedLink,
    invite_staff,
    reset_password,
    set_active,
    set_role,
    waiting_on_link,
)
from ledger.staff.members import InvalidStaff, Role, StaffMember, parse_role

router = APIRouter()

PAGE = "/dashboard/settings/staff"


@dataclass(frozen=True)
class Shown:
    """A link just issued, shown once to the head who asked for it."""

    email: str
    purpose: str  # "invite" or "reset"
    url: str
    expires: str  # Nairobi time


def member_snapshot(member: StaffMember) -> dict[str, object]:
    return {"email": member.email, "role": member.role.value, "active": member.active}


def school_member(session: Session, staff: Staff, staff_id: int) -> StaffMember:
    """A member of this school (active or not); another school's is 404, before any role check."""
    member = session.get(StaffMember, staff_id)
    if member is None or member.school_id != staff.school_id:
        raise HTTPException(404, "No such staff member.")
    return member


def _members(session: Session, school_id: int) -> list[StaffMember]:
    query = select(StaffMember).where(StaffMember.school_id == school_id).order_by(StaffMember.email)
    return list(session.scalars(query))


def _shown(request: Request, services: Services, issued: IssuedLink, purpose: str) -> Shown:
    """The link under KARO_PUBLIC_URL when set (behind a proxy this request's own address may not be the
    one the member can reach), else this request's."""
    public = services.settings.public_url
    path = request.app.url_path_for("invite_form", token=issued.token)
    url = f"{public.rstrip('/')}{path}" if public else str(request.url_for("invite_form", token=issued.token))
    return Shown(issued.member.email, purpose, url, expiry_text(issued.expires_at))


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    shown: Shown | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "may_manage": may_manage_staff(staff),
        "members": _members(session, staff.school_id),
        "waiting": waiting_on_link,
        "roles": [role.value for role in Role],
        "shown": shown,
        "error": error,
        "typed": typed or {"email": "", "role": Role.CLERK.value},
        "done": done,
    }
    return render(request, "settings_staff.html", context, status_code=status)


def _refused(request: Request, staff: Staff, session: Session, error: InvalidStaff, **typed: str) -> Response:
    session.rollback()
    return _page(request, staff, session, error=str(error), typed=typed or None, status=422)


@router.get("/dashboard/settings/staff")
def staff_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post("/dashboard/settings/staff/invite")
def invite(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    refuse_unless_head(staff)
    now = config_of(request).clock()
    try:
        issued = invite_staff(session, staff.school_id, email, parse_role(role), now=now)
    except InvalidStaff as bad:
        return _refused(request, staff, session, bad, email=email, role=role)
    member = issued.member
    staff.audit(
        session, action="staff.invite", at=now, target=f"staff:{member.id}", after=member_snapshot(member)
    )
    session.commit()
    return _page(request, staff, session, shown=_shown(request, services, issued, "invite"))


@router.post("/dashboard/settings/staff/{staff_id}/role")
def change_role(
    request: Request,
    staff_id: int,
    staff: StaffDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def change(member: StaffMember) -> str:
        set_role(session, member, parse_role(role))
        return f"{member.email} is now {member.role}."

    return _change(request, staff, session, staff_id, "staff.role", change)


@router.post("/dashboard/settings/staff/{staff_id}/active")
def change_active(
    request: Request,
    staff_id: int,
    staff: StaffDep,
    session: SessionDep,
    active: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def change(member: StaffMember) -> str:
        set_active(session, member, active == "on")
        return f"{member.email} " + (
            "can sign in again." if member.active else "is disabled: sessions ended."
        )

    return _change(request, staff, session, staff_id, "staff.active", change)


def _change(
    request: Request,
    staff: Staff,
    session: Session,
    staff_id: int,
    action: str,
    change: Callable[[StaffMember], str],
) -> Response:
    """One member changed by the head (another school's member is 404 whatever the role), audited."""
    member = school_member(session, staff, staff_id)
    refuse_unless_head(staff)
    before = member_snapshot(member)
    try:
        done = change(member)
    except InvalidStaff as bad:
        return _refused(request, staff, session, bad)
    after = member_snapshot(member)
    at = config_of(request).clock()
    staff.audit_change(session, action=action, at=at, target=f"staff:{member.id}", before=before, after=after)
    session.commit()
    return _page(request, staff, session, done=done)


@router.post("/dashboard/settings/staff/{staff_id}/reset")
def reset(
    request: Request, staff_id: int, staff: StaffDep, session: SessionDep, services: ServicesDep
) -> Response:
    member = school_member(session, staff, staff_id)
    refuse_unless_head(staff)
    if not member.active:
        return _refused(
            request, staff, session, InvalidStaff(f"{member.email} is disabled: enable them first")
        )
    now = config_of(request).clock()
    before = member_snapshot(member) | {"password": "waiting on a link" if waiting_on_link(member) else "set"}
    issued = reset_password(session, member, now=now)
    after = member_snapshot(member) | {"password": "reset: a one-time link was issued"}
    staff.audit(
        session, action="staff.reset", at=now, target=f"staff:{member.id}", before=before, after=after
    )
    session.commit()
    return _page(request, staff, session, shown=_shown(request, services, issued, "reset"))


def expiry_text(at: dt.datetime) -> str:
    return at.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M")
