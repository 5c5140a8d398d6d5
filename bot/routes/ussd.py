"""Africa's Talking USSD callbacks: ``POST /at/ussd/{token}`` (each hop) and ``/at/ussd-end/{token}``.

A hop always gets HTTP 200 with ``CON``/``END`` text: an error page would make the gateway show the
parent a generic network failure.

The hop route is async and reads the form itself (``bot.routes.edge``, with ``urllib.parse``), then runs
the handler (Redis and the database, blocking) on a few threads of its own: FastAPI's ``Form`` fields and
its default pool of 40 threads cost several times what the hop's own work does under load (bench/README.md,
USSD). A body Karo cannot use is kept for review: the hop answers an END screen, the end report 400.
"""

from __future__ import annotations

import datetime as dt
import logging

import anyio
from fastapi import Request
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import State

from bot import metrics
from bot.bootstrap import Services
from bot.channels.conversations import ConversationBusy
from bot.channels.tables import UssdSessionReport
from bot.routes.deps import ServicesDep, WebhookRouter
from bot.routes.edge import checked_form, usable_form
from bot.routes.webhook_fields import USSD_END, USSD_HOP

log = logging.getLogger(__name__)
router = WebhookRouter()  # the token in each path is checked here, for every route

BUSY = "END Service busy, please try again shortly.\nHuduma ina shughuli nyingi, jaribu tena baadaye."
FAILED = "END Sorry, something went wrong. Please try again.\nSamahani, kuna hitilafu. Tafadhali jaribu tena."
# Hops a worker process runs at once. They are mostly CPU (Python holds the GIL), so a few threads keep
# the cores busy while others wait on Redis or PostgreSQL; more only contend, and each may hold a pooled
# connection (two while it writes), so this stays well under the pool's size (ledger.db.make_engine).
HOP_THREADS = 8


async def ussd_hop(request: Request) -> PlainTextResponse:
    """A Starlette endpoint: FastAPI's parameter handling would cost more than the parsing it saves."""
    services: Services = request.app.state.services
    with metrics.hop("ussd") as outcome:
        form = await usable_form(request, services, "at-ussd", USSD_HOP)
        reply = FAILED if form is None else await _answer(request.app.state, form)
        outcome.append(_outcome(reply, form))
    return PlainTextResponse(reply)


def _outcome(reply: str, form: dict[str, str] | None) -> str:
    """The hop's label: con (a menu), end (a last screen), busy, failed, or refused (a body not usable)."""
    if form is None or not form.get("sessionId") or not form.get("phoneNumber"):
        return "refused"
    return {BUSY: "busy", FAILED: "failed"}.get(reply, reply[:3].lower())


async def _answer(state: State, form: dict[str, str]) -> str:
    session_id, phone = form.get("sessionId", ""), form.get("phoneNumber", "")
    if not session_id or not phone:
        return FAILED
    hop = state.ussd.hop
    try:
        reply: str = await anyio.to_thread.run_sync(
            hop, session_id, form.get("serviceCode", ""), phone, form.get("text", ""), limiter=_threads(state)
        )
    except (RedisError, ConversationBusy):
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
async def ussd_session_ended(request: Request, services: ServicesDep) -> str:
    """Keep how the session ended (once per session: the gateway may retry the notification)."""
    form = await checked_form(request, services, "at-ussd-end", USSD_END)
    if not form.get("sessionId"):
        return "missing sessionId"
    await anyio.to_thread.run_sync(_keep_report, services, form)
    return "OK"


def _keep_report(services: Services, form: dict[str, str]) -> None:
    try:
        _add_report(services, form)
    except IntegrityError:  # the same report, redelivered at the same moment, was kept first
        log.info("USSD end report for %s kept already", form["sessionId"])


def _add_report(services: Services, form: dict[str, str]) -> None:
    with services.sessions.begin() as session:
        exists = session.scalar(
            select(UssdSessionReport.id).where(UssdSessionReport.session_id == form["sessionId"])
        )
        if exists is None:
            session.add(
                UssdSessionReport(
                    session_id=form["sessionId"],
                    phone=form.get("phoneNumber", ""),
                    service_code=form.get("serviceCode", ""),
                    status=form.get("status", ""),
                    hops=_int_or_none(form.get("hopsCount", "")),
                    duration_ms=_int_or_none(form.get("durationInMillis", "")),
                    error_message=form.get("errorMessage") or None,
                    last_input=form.get("input") or None,
                    cost=form.get("cost") or None,
                    received_at=dt.datetime.now(dt.UTC),
                )
            )


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip() else None  # bot.routes.edge checked it is a whole number in range
