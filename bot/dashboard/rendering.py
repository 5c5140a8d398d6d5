"""Rendering dashboard pages: the templates, money and date filters, and the headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.dashboard.cookies import read_session, write_cookie
from ledger.money import kes

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates" / "dashboard")


def kes_filter(cents: int) -> str:
    # int(): PostgreSQL's SUM of a bigint is a numeric, so some ledger totals arrive as Decimal.
    return kes(int(cents), always_cents=True)


TEMPLATES.env.filters["kes"] = kes_filter

# Scripts only from our own origin (HTMX is served from here), no framing, no caching of money pages.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """``template`` with the session's CSRF token and the signed-in member (if any) in its context."""
    context = {"csrf_token": read_session(request).csrf, **context}
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    return secured(request, response)


def redirect(request: Request, url: str) -> Response:
    """303 to ``url`` (a POST answered with a GET), carrying the session if it changed."""
    response = RedirectResponse(url, status_code=303)
    if request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = url  # HTMX follows redirects itself; this makes it a page load
    return secured(request, response)


def secured(request: Request, response: Response) -> Response:
    response.headers.update(HEADERS)
    return write_cookie(request, response)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request, "error.html", {"message": message, "status_code": status_code}, status_code=status_code
    )
    secured(request, response)
    return response
