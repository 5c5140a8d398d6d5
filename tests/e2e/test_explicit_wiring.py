"""Each app is wired explicitly: the parent ports get their own M-Pesa desk's ``schedule_push`` at
composition, so a second app on the same Services (another desk) cannot take over the first one's pushes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.scheduling import Task
from bot.settings import Settings
from ledger.payments.stk_requests import PaymentRequestRecord
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN, Dial


class Recording:
    """A scheduler that only notes what it was asked to run."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[Task, tuple[int, ...]]] = []

    def schedule(self, task: Task, delay: object, *args: int) -> None:
        self.scheduled.append((task, args))


def test_an_apps_payments_are_pushed_by_its_own_desk(engine, redis, schools):
    settings = Settings(redis_url=REDIS_URL, webhook_token=TOKEN, daraja_api_url="http://127.0.0.1:9")
    services = bootstrap(settings, engine=engine, redis=redis)
    mine, other = Recording(), Recording()
    app = create_app(services, mpesa=compose_mpesa(services, scheduler=mine))
    create_app(services, mpesa=compose_mpesa(services, scheduler=other))  # e.g. a second test's app
    with TestClient(app) as client:
        dial = Dial(client, PARENT, code="*384*25#")
        dial.choose("Pay")
        dial.choose("Other amount")
        dial.press("5000")
        dial.choose("Confirm")
    with schools() as session:
        (request,) = session.scalars(select(PaymentRequestRecord)).all()
    assert (mine.scheduled, other.scheduled) == ([(Task.PUSH, (request.id,))], [])


def test_a_hop_reads_through_one_database_session(client, engine):
    """The hop's unit of work is handed to its ports: every read of a hop shares one pool checkout."""
    checkouts = []

    def counted(*_: object) -> None:
        checkouts.append(1)

    event.listen(engine, "checkout", counted)
    try:
        dial = Dial(client, PARENT)  # the shared code: the school behind it, the phone's schools
        per_hop = [len(checkouts)]
        for label in ("Kilimani", "Balance"):  # the school's children, then the child's balance
            dial.choose(label)
            per_hop.append(len(checkouts) - sum(per_hop))
    finally:
        event.remove(engine, "checkout", counted)
    assert "35,000" in dial.reply
    assert per_hop == [1, 1, 1]
