"""The M-Pesa desk: what the push, the queries and the callbacks need, composed once and passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.mpesa.scheduling import Scheduler, Task, Timings
from ledger.clock import NAIROBI
from ledger.records.tables import School
from providers.daraja_types import MpesaGateway, Shortcode


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class MpesaDesk:
    """The dependencies of Karo's M-Pesa work, and nothing else: the database, the Daraja gateway, each
    school's credentials, the scheduler that runs the push and its queries later, the callback URL, the
    schedule's timings and the clock.

    ``bot.mpesa.compose`` builds one per process (``create_app``, an RQ job); it does no work itself. The
    work is the functions it is handed to: ``push.send_push`` and ``queries.query`` (run by a timer or an
    RQ job through ``tasks.run_task``), ``recovery.sweep`` (the schedule), ``inbound.on_stk_callback`` and
    the C2B handlers (``bot.routes.daraja``). The parent ports get ``schedule_push`` from it at composition.
    """

    sessions: sessionmaker[Session]
    gateway: MpesaGateway | None  # None: Daraja is not configured, so pushes fail for the bursar to see
    credentials: Callable[[School], Shortcode]
    scheduler: Scheduler
    callback_url: str | None  # {KARO_PUBLIC_URL}/daraja/stk/{KARO_WEBHOOK_TOKEN}
    timings: Timings = field(default_factory=Timings)
    clock: Callable[[], dt.datetime] = utc_now

    def today(self) -> dt.date:
        """The school day in Nairobi, whatever the server's zone."""
        return self.clock().astimezone(NAIROBI).date()

    def schedule_push(self, request_id: int) -> None:
        """Have the STK push for a recorded request sent a few seconds from now (after the USSD session)."""
        self.scheduler.schedule(Task.PUSH, self.timings.push_delay, request_id)
