"""Africa's Talking USSD callbacks: ``POST /at/ussd/{token}`` (each hop) and ``/at/ussd-end/{token}``.

A hop always gets HTTP 200 with ``CON``/``END`` text: an error page would make the gateway show the
parent a generic network failure.
"""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError
from sqlalchemy import select

from bot.routes.deps import ServicesDep, SessionDep, check_webhook_token
from bot.sessions import SessionBusy
from bot.tables import UssdSessionReport

log = logging.getLogger(__name__)
router = APIRouter()

BUSY = "END Service busy, please try again shortly.\nHuduma ina shughuli nyingi, jaribu tena baadaye."
FAILED = "END Sorry, something went wrong. Please try again.\nSamahani, kuna hitilafu. Tafadhali jaribu tena."


@router.post("/at/ussd/{token}", response_class=PlainTextResponse)
def ussd_hop(
    request: Request,
    token: str,
    services: ServicesDep,
    sessionId: str = Form(""),  # noqa: N803  (Africa's Talking's field names)
    serviceCode: str = Form(""),  # noqa: N803
    phoneNumber: str = Form(""),  # noqa: N803
    text: str = Form(""),
) -> str:
    check_webhook_token(services, token)
    if not sessionId or not phoneNumber:
        return FAILED
    try:
        return request.app.state.ussd.hop(sessionId, serviceCode, phoneNumber, text)  # type: ignore[no-any-return]
    except (RedisError, SessionBusy):
        log.warning("USSD hop answered busy: session store unavailable", exc_info=True)
        return BUSY
    except Exception:
        log.exception("USSD hop failed for session %s", sessionId)
        return FAILED


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
