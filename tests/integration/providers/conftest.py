"""The vendor simulators and a webhook receiver, each served over real HTTP on loopback for the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from providers.simulators import africastalking as at_simulator
from providers.simulators import twilio as twilio_simulator
from providers.simulators.serve import start_in_thread


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
class Sim:
    """A running simulator, driven through its /_sim control routes like the demo would."""

    url: str

    def control(self, method: str, path: str, **payload: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_sim/{path}", json=payload or None)
        response.raise_for_status()
        return response.json() if response.content else None

    def fail(self, count: int = 1, **fault: Any) -> None:
        self.control("POST", "fail", count=count, **fault)

    def configure(self, **settings: Any) -> dict[str, Any]:
        return self.control("POST", "config", **settings)

    def messages(self) -> list[dict[str, Any]]:
        return self.control("GET", "messages")

    def callbacks(self) -> dict[str, Any]:
        return self.control("GET", "callbacks")


@dataclass
class Hit:
    path: str
    url: str
    form: list[tuple[str, str]]
    headers: dict[str, str]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)


@dataclass
class Receiver:
    """A stand-in for Karo's webhook routes: records every POST, answers ``status`` (or 500 while failing)."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]

    async def handle(self, request: Request) -> Response:
        form = await request.form()
        hit = Hit(request.url.path, str(request.url), list(form.multi_items()), dict(request.headers))
        with self.lock:
            self.hits.append(hit)
            failing = self.fail_next > 0
            self.fail_next -= 1 if failing else 0
        return Response(status_code=500 if failing else 200)


@pytest.fixture(scope="session")
def at_server() -> Iterator[Sim]:
    url, stop = start_in_thread(at_simulator.create_app())
    yield Sim(url)
    stop()


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[Sim]:
    url, stop = start_in_thread(twilio_simulator.create_app())
    yield Sim(url)
    stop()


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])
    receiver.url, stop = start_in_thread(app)
    yield receiver
    stop()


@pytest.fixture
def at_sim(at_server: Sim) -> Sim:
    at_server.control("POST", "reset")
    return at_server


@pytest.fixture
def twilio_sim(twilio_server: Sim) -> Sim:
    twilio_server.control("POST", "reset")
    return twilio_server


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    with receiver_server.lock:
        receiver_server.hits.clear()
        receiver_server.fail_next = 0
    return receiver_server
