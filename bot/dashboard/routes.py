"""The dashboard's router and what it adds to the app: its config, its error pages, its static files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import SecretStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.dashboard import (
    announcements,
    approvals,
    audit_log,
    auth,
    bursaries,
    charges,
    close,
    corrections,
    credit,
    exports,
    fee_structure,
    fees,
    guardians,
    imports,
    invites,
    leaving,
    messages,
    overview,
    payment_list,
    payments,
    plans,
    printable,
    privacy,
    receipts,
    register,
    reminders,
    send_statement,
    settings_api_keys,
    settings_fee_rules,
    settings_index,
    settings_profile,
    settings_staff,
    settings_terms,
    settings_webhooks,
    sponsors,
    student,
    students,
    suspense,
    year_calendar,
    year_rollover,
)
from bot.dashboard.access import SignInFirst
from bot.dashboard.config import DashboardConfig, dashboard_config
from bot.dashboard.csrf import check_csrf
from bot.dashboard.ids import check_ids
from bot.dashboard.rendering import error_page, redirect

STATIC = Path(__file__).resolve().parent.parent / "static"
HTMX = STATIC / "dashboard-htmx-2.0.11.min.js"
CSS = STATIC / "dashboard.css"
PRINT = STATIC / "dashboard-print.js"
PREFIX = "/dashboard"

static = APIRouter()


@static.get("/dashboard/static/htmx.min.js", include_in_schema=False)
def htmx_script() -> FileResponse:
    return FileResponse(HTMX, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


@static.get("/dashboard/static/dashboard.css", include_in_schema=False)
def stylesheet() -> FileResponse:
    return FileResponse(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@static.get("/dashboard/static/print.js", include_in_schema=False)
def print_script() -> FileResponse:
    return FileResponse(PRINT, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


def dashboard_routers() -> list[APIRouter]:
    """Every router of the dashboard (tests walk their routes: a page added here is tested for tenancy)."""
    return [
        auth.router,
        overview.router,
        students.router,
        student.router,
        payments.router,
        suspense.router,
        messages.router,
        imports.router,
        exports.router,
        printable.router,
        send_statement.router,
        receipts.router,
        fees.router,
        charges.router,
        fee_structure.router,
        reminders.router,
        announcements.router,
        plans.router,
        register.router,
        guardians.router,
        bursaries.router,
        sponsors.router,
        leaving.router,
        credit.router,
        audit_log.router,
        corrections.router,
        payment_list.router,
        approvals.router,
        close.router,
        year_rollover.router,
        settings_index.router,
        settings_terms.router,
        settings_fee_rules.router,
        settings_staff.router,
        settings_api_keys.router,
        settings_profile.router,
        settings_webhooks.router,
        invites.router,
        year_calendar.router,
        privacy.router,
        static,
    ]


def dashboard_router() -> APIRouter:
    """Every page and form; ids and CSRF are checked for all of them here, so no route can leave it out."""
    router = APIRouter(dependencies=[Depends(check_ids), Depends(check_csrf)], include_in_schema=False)
    for page_router in dashboard_routers():
        router.include_router(page_router)
    return router


def install_dashboard(
    app: FastAPI, secret_key: SecretStr | None, config: DashboardConfig | None = None
) -> None:
    app.state.dashboard = config or dashboard_config(secret_key)
    app.include_router(dashboard_router())
    app.add_exception_handler(SignInFirst, _sign_in_first)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _error_page)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _bad_request)  # type: ignore[arg-type]


async def _sign_in_first(request: Request, error: SignInFirst) -> Response:
    return redirect(request, f"{PREFIX}/login?next={quote(error.next_url, safe='/')}")


def _is_dashboard(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


async def _bad_request(request: Request, error: RequestValidationError) -> Response:
    # A mistyped address (/dashboard/students/abc, page=0) gets a page, not FastAPI's JSON.
    if _is_dashboard(request):
        return error_page(
            request, 404 if request.method == "GET" else 400, "That address or form is not right."
        )
    return await request_validation_exception_handler(request, error)


async def _error_page(request: Request, error: StarletteHTTPException) -> Response:
    # Webhooks and the rest of the app keep FastAPI's JSON errors; the dashboard answers with a page.
    if _is_dashboard(request):
        return error_page(request, error.status_code, str(error.detail))
    return await http_exception_handler(request, error)
