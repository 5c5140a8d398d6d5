"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database and Redis answer)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Services
from bot.metrics import exposition
from bot.routes.deps import ServicesDep

router = APIRouter()
log = logging.getLogger(__name__)

OK = "ok"
UNREACHABLE = "unreachable"
NOT_CONFIGURED = "not configured"


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": OK}


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """200 when every configured dependency answers; 503 naming the ones that do not."""
    checks = {"database": _database(services), "redis": _redis(services)}
    ready = UNREACHABLE not in checks.values()
    return JSONResponse(checks, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text format, unauthenticated like the probes (it names no parent and no school's text):
    keep it off the public internet at the proxy if the counts themselves are private."""
    body, content_type = await run_in_threadpool(exposition, services)
    return Response(body, media_type=content_type)


def _database(services: Services) -> str:
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the status names it
        log.warning("readiness: database unreachable: %s", error)
        return UNREACHABLE
    return OK


def _redis(services: Services) -> str:
    if services.redis is None:
        return NOT_CONFIGURED
    try:
        services.redis.ping()
    except Exception as error:  # connection refused, timeout, auth: all "not ready"
        log.warning("readiness: redis unreachable: %s", error)
        return UNREACHABLE
    return OK
