"""The dashboard's session: a signed cookie holding the member's id, their session generation when they signed
in, and the CSRF token of this session. A session is valid only while the member's generation is unchanged:
signing out, a password change and disabling the account bump it (ledger.staff.members.end_sessions), so a
copied
cookie dies with the session it was copied from.

Nothing secret is in it (it is signed, not encrypted); it is HttpOnly, SameSite=Lax, and Secure whenever the
page was served over HTTPS. A fresh visitor gets a session without a member, so the login form has a CSRF
token too; signing in issues a new token (an old page's token then no longer works).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from fastapi import Request, Response
from itsdangerous import BadSignature

from bot.dashboard.config import DashboardConfig

COOKIE = "karo_dashboard"
MAX_AGE_SECONDS = 12 * 60 * 60  # a working day; then sign in again


@dataclass(frozen=True)
class DashboardSession:
    csrf: str
    staff_id: int | None = None
    generation: int | None = None  # the member's session generation when they signed in
    changed: bool = False  # the response must carry a new cookie

    def signed_in(self, staff_id: int, generation: int) -> DashboardSession:
        return DashboardSession(csrf=new_token(), staff_id=staff_id, generation=generation, changed=True)

    def signed_out(self) -> DashboardSession:
        return DashboardSession(csrf=new_token(), changed=True)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def config_of(request: Request) -> DashboardConfig:
    config: DashboardConfig = request.app.state.dashboard
    return config


def read_session(request: Request) -> DashboardSession:
    """This request's session, read once and kept on ``request.state`` (a new one if absent or forged)."""
    cached = getattr(request.state, "dashboard_session", None)
    if isinstance(cached, DashboardSession):
        return cached
    session = _from_cookie(config_of(request), request.cookies.get(COOKIE))
    request.state.dashboard_session = session
    return session


def replace_session(request: Request, session: DashboardSession) -> None:
    request.state.dashboard_session = replace(session, changed=True)


def _from_cookie(config: DashboardConfig, value: str | None) -> DashboardSession:
    if value:
        try:
            data = config.signer.loads(value, max_age=MAX_AGE_SECONDS)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            data = None
        if isinstance(data, dict) and isinstance(data.get("c"), str):
            staff_id, generation = data.get("s"), data.get("g")
            return DashboardSession(
                csrf=data["c"],
                staff_id=staff_id if isinstance(staff_id, int) else None,
                generation=generation if isinstance(generation, int) else None,
            )
    return DashboardSession(csrf=new_token(), changed=True)


def write_cookie(request: Request, response: Response) -> Response:
    """Put the session on ``response`` when it is new or changed (else the browser keeps the one it has)."""
    session = read_session(request)
    if session.changed:
        value = config_of(request).signer.dumps(
            {"s": session.staff_id, "g": session.generation, "c": session.csrf}
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_SECONDS,
            path="/dashboard",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
