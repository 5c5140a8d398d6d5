"""Signing in and out. Wrong passwords slow the next try down, per account and per client address; signing
out ends the session on every copy of its cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bot.dashboard.access import signed_in_member
from bot.dashboard.cookies import config_of, read_session, replace_session
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.staff.audit import audit
from ledger.staff.members import (
    FREE_TRIES_ACCOUNT,
    FREE_TRIES_ADDRESS,
    claim_try,
    end_sessions,
    find_staff,
    forget_failures,
    normalise_email,
    take_back_try,
)

router = APIRouter()

HOME = "/dashboard"
WRONG = "Wrong email or password."


@router.get("/dashboard/login")
def login_form(request: Request, next: str = HOME) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/dashboard/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = HOME,
) -> Response:
    config = config_of(request)
    now = config.clock()
    email = normalise_email(email)
    keys = (f"account:{email}", f"address:{client_address(request)}")
    context = {"next": safe_next(next), "email": email}
    # Counted before the password is even checked, and committed at once: guesses sent all together are
    # counted one by one, and guessing gets no faster by trying harder.
    wait = claim_try(session, {keys[0]: FREE_TRIES_ACCOUNT, keys[1]: FREE_TRIES_ADDRESS}, now)
    session.commit()
    if wait:
        message = f"Too many wrong passwords. Try again in {wait} seconds."
        return render(request, "login.html", {**context, "error": message}, status_code=429)
    member = find_staff(session, email)
    known = member is not None and member.active
    if not config.passwords.verify(member.password_hash if known and member else None, password):
        return render(request, "login.html", {**context, "error": WRONG}, status_code=401)
    assert member is not None
    forget_failures(session, keys[0])
    take_back_try(session, keys[1], FREE_TRIES_ADDRESS, now)
    member.password_hash = config.passwords.upgraded(member.password_hash, password) or member.password_hash
    member.last_login_at = now
    audit(session, school_id=member.school_id, staff_id=member.id, actor=member.email, action="login", at=now)
    session.commit()
    replace_session(request, read_session(request).signed_in(member.id, member.session_generation))
    return redirect(request, safe_next(next))


@router.post("/dashboard/logout")
def logout(request: Request, session: SessionDep) -> Response:
    member = signed_in_member(request, session)
    if member is not None:  # the cookie alone is not the session: a copy of it must stop working too
        end_sessions(member)
        session.commit()
    replace_session(request, read_session(request).signed_out())
    return redirect(request, "/dashboard/login")


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def safe_next(url: str) -> str:
    """Only a dashboard path of this site: a login link must not send a bursar elsewhere."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith(HOME) or url.startswith("//"):
        return HOME
    return url
