"""The one-time link of a staff invite or password reset: whoever holds it sets the member's password, once,
before it expires. Nobody needs to be signed in: the link is the proof."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from bot.dashboard.cookies import config_of
from bot.dashboard.passwords import MIN_LENGTH, WeakPassword
from bot.dashboard.rendering import render
from bot.routes.deps import SessionDep
from ledger.staff.audit import audit
from ledger.staff.invites import open_link, use_link

router = APIRouter()

GONE = "No such link: it has been used, has expired or is not right. Ask your head teacher for a new one."


@router.get("/dashboard/invite/{token}", name="invite_form")
def invite_form(request: Request, token: str, session: SessionDep) -> Response:
    opened = open_link(session, token, config_of(request).clock())
    if opened is None:
        raise HTTPException(404, GONE)
    link, member = opened
    context = {"email": member.email, "purpose": link.purpose.value, "min_length": MIN_LENGTH}
    return render(request, "invite.html", context)


@router.post("/dashboard/invite/{token}")
def set_password(
    request: Request,
    token: str,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    config = config_of(request)
    now = config.clock()
    opened = open_link(session, token, now)
    if opened is None:
        raise HTTPException(404, GONE)
    link, member = opened
    context = {"email": member.email, "purpose": link.purpose.value, "min_length": MIN_LENGTH}
    try:
        if password != confirm:
            raise WeakPassword("the two passwords are not the same")
        password_hash = config.passwords.hash(password)
    except WeakPassword as weak:
        return render(request, "invite.html", {**context, "error": f"Not saved: {weak}."}, status_code=422)
    purpose = link.purpose.value
    if use_link(session, token, password_hash, now) is None:  # used by another request meanwhile
        raise HTTPException(404, GONE)
    before = {"email": member.email, "password": "waiting on a link"}
    after = {"email": member.email, "password": f"set through a {purpose} link"}
    audit(
        session,
        school_id=member.school_id,
        staff_id=member.id,
        actor=member.email,
        action="staff.password",
        at=now,
        target=f"staff:{member.id}",
        before=before,
        after=after,
    )
    session.commit()
    return render(request, "invite.html", {**context, "done": True})
