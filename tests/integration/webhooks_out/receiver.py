"""A school system's webhook receiver, served by uvicorn on a thread: it checks each delivery's signature
with the README's recipe (the code block itself, run here; nothing imported from Karo) and answers with the
status codes a test queues (200 once the queue is empty)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from providers.simulators.serve import start_in_thread

README = Path(__file__).resolve().parents[3] / "README.md"
RECIPE = re.compile(r"### Outgoing webhooks.*?```python\n(.*?)```", re.DOTALL)


def readme_recipe() -> Callable[..., bool]:
    """The ``verify`` function of the README's recipe, run as a school's developer would copy it."""
    found = RECIPE.search(README.read_text())
    assert found, "the README has no verification recipe under 'Outgoing webhooks'"
    scope: dict[str, Any] = {}
    exec(found.group(1), scope)  # noqa: S102  (our own README's code block)
    verify: Callable[..., bool] = scope["verify"]
    return verify


verify = readme_recipe()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def signed_with(self, secret: str) -> bool:
        return verify(secret, self.headers.get("karo-signature", ""), self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer with, first first
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.answers.clear()

    def of_type(self, event_type: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.headers.get("karo-event") == event_type]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
            self.received.append(Received(scope["path"], headers, body, status))
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"try later"})


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver("")
    url, stop = start_in_thread(receiver)
    receiver.url = url
    yield receiver
    stop()


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    receiver_server.reset()
    return receiver_server
