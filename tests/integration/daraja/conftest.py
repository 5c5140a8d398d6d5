"""The Daraja simulator and a JSON webhook receiver, each served over real HTTP on loopback, and a Redis
token store with its own key prefix per test."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.daraja import DarajaClient, MemoryTokenStore, RedisTokenStore
from providers.daraja_types import Shortcode
from providers.simulators import daraja as daraja_simulator
from providers.simulators.serve import start_in_thread
from tests.conftest import REDIS_URL

PASSKEY = daraja_simulator.SANDBOX_PASSKEY
STK = Shortcode("174379", PASSKEY, "sim-key-174379", "sim-secret")  # no C2B validation
PAYBILL = Shortcode("600984", PASSKEY, "sim-key-600984", "sim-secret")  # C2B validation enabled
PARENT = "254708374149"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until ``condition()`` is truthy; return its value, or fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"condition not met within {timeout}s")


@dataclass
class DarajaSim:
    """The running simulator, driven through its /_sim control routes as the sandbox would."""

    url: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))

    def control(self, method: str, path: str, **payload: Any) -> Any:
        response = self.http.request(method, f"{self.url}/_sim/{path}", json=payload or None)
        response.raise_for_status()
        return response.json() if response.content else None

    def configure(self, **settings: Any) -> dict[str, Any]:
        return self.control("POST", "config", **settings)

    def issued(self, shortcode: str = STK.shortcode) -> int:
        return self.control("GET", "oauth")["issued"].get(shortcode, 0)

    def prompt(self, checkout_id: str) -> dict[str, Any]:
        return self.control("GET", f"stk/{checkout_id}")

    def resolve(self, checkout_id: str, **outcome: Any) -> dict[str, Any]:
        return self.control("POST", f"stk/{checkout_id}/resolve", **outcome)

    def requests(self, api: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.control("GET", "messages") if api is None or m["api"] == api]


@dataclass
class Receiver:
    """A stand-in for Karo's Daraja webhooks: records every JSON POST; answers per path (default Accepted)."""

    url: str = ""
    hits: list[tuple[str, Any]] = field(default_factory=list)
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, kind: str) -> str:
        """A fresh path (no forbidden words), so late callbacks of other tests never count here."""
        return f"/pay/{kind}/{uuid.uuid4().hex}"

    def at(self, path: str) -> list[Any]:
        with self.lock:
            return [body for p, body in self.hits if p == path]

    async def handle(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            self.hits.append((request.url.path, body))
            status, answer = self.answers.get(request.url.path, (200, ACCEPTED))
        return JSONResponse(answer, status_code=status)


@pytest.fixture(scope="session")
def daraja_server() -> Iterator[DarajaSim]:
    url, stop = start_in_thread(daraja_simulator.create_app())
    sim = DarajaSim(url)
    yield sim
    sim.http.close()
    stop()


@pytest.fixture
def daraja_sim(daraja_server: DarajaSim) -> DarajaSim:
    daraja_server.control("POST", "reset")
    return daraja_server


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])
    receiver.url, stop = start_in_thread(app)
    yield receiver
    stop()


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    with receiver_server.lock:
        receiver_server.hits.clear()
        receiver_server.answers.clear()
    return receiver_server


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the tests' clients (making an httpx.Client costs tens of milliseconds)."""
    with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as session:
        yield session


@pytest.fixture
def client(daraja_sim: DarajaSim, http: httpx.Client) -> DarajaClient:
    return DarajaClient(daraja_sim.url, MemoryTokenStore(), http=http)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def token_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own, removed afterwards."""
    prefix = f"karo:test:daraja:{uuid.uuid4().hex}:"
    yield prefix
    for key in redis_client.scan_iter(match=prefix + "*"):
        redis_client.delete(key)


@pytest.fixture
def redis_tokens(redis_client: redis.Redis, token_prefix: str) -> RedisTokenStore:
    return RedisTokenStore(redis_client, prefix=token_prefix)


def push(client: DarajaClient, receiver: Receiver, phone: str = PARENT, amount: int = 1500, **overrides: Any):
    """An STK push for school fees with a fresh callback path; returns (accepted, callback path)."""
    path = overrides.pop("path", None) or receiver.path("stk")
    fields = {
        "account_reference": "ADM1234",
        "description": "School fees",
        "callback_url": receiver.url + path,
    }
    accepted = client.stk_push(
        overrides.pop("creds", STK), phone=phone, amount=amount, **(fields | overrides)
    )
    return accepted, path
