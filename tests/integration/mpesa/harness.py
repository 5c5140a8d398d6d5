"""M-Pesa end to end: Karo served by uvicorn on a thread (the simulator calls back into it over HTTP), the
Daraja simulator on another, real Redis (database 11) and PostgreSQL/SQLite.

The e2e tests import these fixtures; they build on ``tests/e2e/conftest.py``'s two seeded schools.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from redis import Redis
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import Services, bootstrap
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.scheduling import ThreadScheduler, Timings
from bot.mpesa.setup import register_paybill, save_credentials
from bot.settings import Settings
from ledger.books.tables import Payment
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.payments.callbacks import CallbackFailure
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.tables import School
from providers.daraja_types import Shortcode
from providers.simulators import daraja as daraja_simulator
from providers.simulators.serve import start_in_thread
from tests.conftest import flushed_redis, worker_redis
from tests.e2e.ussd_helpers import TOKEN, Dial

MPESA_REDIS_URL = worker_redis(os.environ.get("KARO_TEST_MPESA_REDIS_URL", "redis://127.0.0.1:6379/11"))
PASSKEY = daraja_simulator.SANDBOX_PASSKEY
KILIMANI = Shortcode("600100", PASSKEY, "kilimani-app-key", "kilimani-app-secret")
MWANGAZA = Shortcode("600200", PASSKEY, "mwangaza-app-key", "mwangaza-app-secret")
SECRET_KEY = "e2e-secret-key"
S = dt.timedelta(seconds=1)
FAST = Timings(push_delay=0.05 * S, push_retries=(0.1 * S, 0.2 * S), queries=(0.4 * S, 0.8 * S, 1.2 * S))


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.03)
    pytest.fail(f"condition not met within {timeout}s")


class Swappable:
    """An ASGI app served for the whole session whose inner app each test sets (Karo over its services)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            raise RuntimeError("no app set for this test")
        await self.app(scope, receive, send)


@dataclass
class Server:
    url: str
    holder: Swappable


@dataclass
class DarajaSim:
    url: str

    def control(self, method: str, path: str, **payload: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_sim/{path}", json=payload or None, timeout=20)
        response.raise_for_status()
        return response.json() if response.content else None

    def prompts(self, status: str | None = None) -> list[dict[str, Any]]:
        return self.control("GET", "stk" + (f"?status={status}" if status else ""))

    def resolve(self, checkout_id: str, **outcome: Any) -> dict[str, Any]:
        return self.control("POST", f"stk/{checkout_id}/resolve", **outcome)

    def tokens_issued(self) -> dict[str, int]:
        return self.control("GET", "oauth")["issued"]


@pytest.fixture(scope="session")
def karo_server() -> Iterator[Server]:
    holder = Swappable()
    url, stop = start_in_thread(holder)
    yield Server(url, holder)
    stop()


@pytest.fixture(scope="session")
def daraja_server() -> Iterator[DarajaSim]:
    url, stop = start_in_thread(daraja_simulator.create_app())
    yield DarajaSim(url)
    stop()


@pytest.fixture
def daraja(daraja_server: DarajaSim) -> DarajaSim:
    """The simulator knows both schools' apps; prompts wait for the test to resolve them."""
    daraja_server.control("POST", "reset")
    shortcodes = {
        creds.shortcode: {
            "passkey": creds.passkey,
            "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret,
            "validation": True,
        }
        for creds in (KILIMANI, MWANGAZA)
    }
    daraja_server.control("POST", "config", shortcodes=shortcodes, auto_resolve=False, prompt_timeout=0)
    return daraja_server


@pytest.fixture
def mpesa_redis() -> Iterator[Redis]:
    yield from flushed_redis(MPESA_REDIS_URL)


def worker_environment(database_url: str, karo_url: str, daraja_url: str) -> dict[str, str]:
    """The environment ``karo worker`` would have beside these tests: the same database, Redis, Daraja."""
    return {
        "KARO_DATABASE_URL": database_url,
        "KARO_REDIS_URL": MPESA_REDIS_URL,
        "KARO_WEBHOOK_TOKEN": TOKEN,
        "KARO_PUBLIC_URL": karo_url,
        "KARO_SECRET_KEY": SECRET_KEY,
        "KARO_DARAJA_API_URL": daraja_url,
    }


def mpesa_settings(karo_url: str, daraja_url: str) -> Settings:
    return Settings(
        redis_url=MPESA_REDIS_URL,
        webhook_token=TOKEN,
        public_url=karo_url,
        secret_key=SECRET_KEY,
        daraja_api_url=daraja_url,
    )


@pytest.fixture
def services(engine, mpesa_redis, schools, daraja, karo_server) -> Services:
    """Both schools with their own (sealed) Daraja credentials and registered Paybill URLs."""
    services = bootstrap(mpesa_settings(karo_server.url, daraja.url), engine=engine, redis=mpesa_redis)
    with services.sessions.begin() as session:
        for slug, creds in (("kilimani", KILIMANI), ("mwangaza", MWANGAZA)):
            school = session.scalars(select(School).where(School.slug == slug)).one()
            save_credentials(school, creds, services.settings)
    with services.sessions() as session:
        for school in session.scalars(select(School)):
            register_paybill(services, school)
    return services


@pytest.fixture
def karo(services, karo_server) -> Iterator[Any]:
    """Karo served over HTTP, its M-Pesa work on in-process timers with a fast schedule."""
    scheduler = ThreadScheduler()
    app = create_app(services, mpesa=compose_mpesa(services, scheduler=scheduler, timings=FAST))
    karo_server.holder.app = app
    yield app
    scheduler.stop()
    karo_server.holder.app = None


@pytest.fixture
def http(karo, karo_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=karo_server.url, timeout=20) as client:
        yield client


def pay_by_ussd(http: httpx.Client, phone: str, amount: str = "5000", code: str = "*384*25#") -> str:
    dial = Dial(http, phone, code=code).afresh()  # type: ignore[arg-type]  # httpx.Client posts alike
    dial.choose("Pay")
    dial.choose("Other amount")
    if "Continue?" in dial.press(amount):  # more than the child owes: pay ahead
        dial.choose("Yes")
    return dial.choose("Confirm")


def rows(factory: Any, model: Any) -> list[Any]:
    with factory() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def requests(factory: Any) -> list[PaymentRequestRecord]:
    return rows(factory, PaymentRequestRecord)


def payments(factory: Any) -> list[Payment]:
    return rows(factory, Payment)


def failures(factory: Any) -> list[CallbackFailure]:
    return rows(factory, CallbackFailure)


def messages(factory: Any, category: Category | None = None) -> list[OutboxMessage]:
    return [m for m in rows(factory, OutboxMessage) if category is None or m.category == category]


def stk_callback(
    checkout_id: str, code: int = 0, receipt: str = "", amount: float = 0, phone: int = 0
) -> dict:
    """A callback as Daraja shapes it (for crafted and replayed deliveries)."""
    callback: dict[str, Any] = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout_id,
        "ResultCode": code,
        "ResultDesc": "The service request is processed successfully." if code == 0 else "Failed",
    }
    if code == 0:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20261122102115},
                {"Name": "PhoneNumber", "Value": phone},
            ]
        }
    return {"Body": {"stkCallback": callback}}
