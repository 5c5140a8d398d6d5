"""Africa's Talking USSD callbacks: ``POST /at/ussd/{token}`` (each hop) and ``/at/ussd-end/{token}``.

A hop always gets HTTP 200 with ``CON``/``END`` text: an error page would make the gateway show the
parent a generic network failure.

The hop route is async and reads the form itself (``bot.ussd.wire``), then runs the handler (Redis and
the database, blocking) on a few threads of its own: FastAPI's ``Form`` fields and its default pool of
40 threads cost several times what the hop's own work does under load (bench/README.md, USSD).
"""

from __future__ import annotations

import datetime as dt
import logging

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError
from sqlalchemy import select
from starlette.datastructures import State

from bot.bootstrap import Services
from bot.routes.deps import ServicesDep, SessionDep, check_webhook_token
from bot.sessions import SessionBusy
from bot.tables import UssdSessionReport
from bot.ussd.wire import BadForm, read_form

log = logging.getLogger(__name__)
router = APIRouter()

BUSY = "END Service busy, please try again shortly.\nHuduma ina shughuli nyingi, jaribu tena baadaye."
FAILED = "END Sorry, something went wrong. Please try again.\nSamahani, kuna hitilafu. Tafadhali jaribu tena."
# Hops a worker process runs at once. They are mostly CPU (Python holds the GIL), so a few threads keep
# the cores busy while others wait on Redis or PostgreSQL; more only contend, and each may hold a pooled
# connection (two while it writes), so this stays well under the pool's size (ledger.db.make_engine).
HOP_THREADS = 8


async def ussd_hop(request: Request) -> PlainTextResponse:
    """A Starlette endpoint: FastAPI's parameter handling would cost more than the parsing it saves."""
    services: Services = request.app.state.services
    check_webhook_token(services, request.path_params["token"])
    try:
        form = await read_form(request)
    except BadForm as error:
        log.warning("USSD hop with an unreadable body: %s", error)
        return PlainTextResponse(FAILED)
    return PlainTextResponse(await _answer(request.app.state, form))


async def _answer(state: State, form: dict[str, str]) -> str:
    session_id, phone = form.get("sessionId", ""), form.get("phoneNumber", "")
    if not session_id or not phone:
        return FAILED
    hop = state.ussd.hop
    try:
        reply: str = await anyio.to_thread.run_sync(
            hop, session_id, form.get("serviceCode", ""), phone, form.get("text", ""), limiter=_threads(state)
        )
    except (RedisError, SessionBusy):
        log.warning("USSD hop answered busy: session store unavailable", exc_info=True)
        return BUSY
    except Exception:
        log.exception("USSD hop failed for session %s", session_id)
        return FAILED
    return reply


router.add_route("/at/ussd/{token}", ussd_hop, methods=["POST"], include_in_schema=False)


def _threads(state: State) -> anyio.CapacityLimiter:
    """The app's own limit on hops at once (made on first use: one per app, so per worker process)."""
    limiter: anyio.CapacityLimiter | None = getattr(state, "ussd_threads", None)
    if limiter is None:
        limiter = state.ussd_threads = anyio.CapacityLimiter(HOP_THREADS)
    return limiter


@router.post("/at/ussd-end/{token}", response_class=PlainTextResponse)
def ussd_session_ended(
    token: str,
    services: ServicesDep,
    session: SessionDep,
    sessionId: str = Form(""),  # noqa: N803
    serviceCode: str = Form(""),  # noqa: N803
    phoneNumber: str = Form(""),  # noqa: N803
    status: str = Form(""),
    hopsCount: str = Form(""),  # noqa: N803
    durationInMillis: str = Form(""),  # noqa: N803
    errorMessage: str = Form(""),  # noqa: N803
    input: str = Form(""),  # noqa: A002
    cost: str = Form(""),
) -> str:
    """Keep how the session ended (once per session: the gateway may retry the notification)."""
    check_webhook_token(services, token)
    if not sessionId:
        return "missing sessionId"
    exists = session.scalar(select(UssdSessionReport.id).where(UssdSessionReport.session_id == sessionId))
    if exists is None:
        session.add(
            UssdSessionReport(
                session_id=sessionId[:80],
                phone=phoneNumber[:20],
                service_code=serviceCode[:30],
                status=status[:20],
                hops=_int_or_none(hopsCount),
                duration_ms=_int_or_none(durationInMillis),
                error_message=errorMessage or None,
                last_input=input or None,
                cost=cost[:30] or None,
                received_at=dt.datetime.now(dt.UTC),
            )
        )
        session.commit()
    return "OK"


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None
