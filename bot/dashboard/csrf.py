"""CSRF: every form posts the session's token (HTMX sends it as a header); anything else is refused.

Applied to the whole dashboard router, so a new form cannot forget it.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from bot.dashboard.cookies import read_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfRefused(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            403, "This form has expired or did not come from Karo: reload the page and try again."
        )


async def check_csrf(request: Request) -> None:
    """A dependency of every dashboard route: unsafe methods must carry this session's token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()  # Starlette keeps the parsed form for the route to read again
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    expected = read_session(request).csrf
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()
