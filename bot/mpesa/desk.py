"""The M-Pesa desk: everything the push, the queries and the callbacks need, composed once, passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.mpesa import inbound, push, queries, recovery
from bot.mpesa.scheduling import Scheduler, Task, Timings
from ledger.clock import NAIROBI
from ledger.payments.paybill import ForReview, Settled, Verdict
from ledger.records.tables import School
from providers.daraja_types import C2BPayment, MpesaGateway, Shortcode, StkCallback


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class MpesaDesk:
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
        self.scheduler.schedule(Task.PUSH, self.timings.push_delay, request_id)

    def run(self, task: Task, *args: int) -> None:
        """Run a scheduled task now (what a timer or an RQ job calls)."""
        if task == Task.PUSH:
            push.send_push(self, *args)
        else:
            queries.query(self, *args)

    def send_push(self, request_id: int) -> None:
        push.send_push(self, request_id)

    def query(self, request_id: int, attempt: int = 0) -> None:
        queries.query(self, request_id, attempt)

    def sweep(self) -> recovery.Swept:
        """Settle requests whose scheduled work was lost (``bot.mpesa.recovery``)."""
        return recovery.sweep(self)

    def on_stk_callback(self, callback: StkCallback, payload: str) -> str:
        return inbound.on_stk_callback(self, callback, payload)

    def on_c2b_validation(self, payment: C2BPayment) -> Verdict:
        return inbound.on_c2b_validation(self, payment)

    def on_c2b_confirmation(self, payment: C2BPayment, payload: str) -> Settled | ForReview | None:
        return inbound.on_c2b_confirmation(self, payment, payload)
