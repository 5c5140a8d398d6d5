"""What every simulator shares: the state object (config, recorder, scripted faults, callback poster), the
``/_sim/*`` control routes that drive it, and ``simulator_app``, which builds an app around a state.

Endpoints are module-level functions that find their simulator on ``request.app.state.sim``, so one module
serves any number of apps, each with its own state."""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from typing import Any, Generic, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.simulators.callbacks import CallbackPoster

ConfigT = TypeVar("ConfigT")


class ControlError(ValueError):
    """A control request the simulator cannot follow: answered with 400 and the reason."""


async def control_error(request: Request, exc: Exception) -> Response:
    """Starlette exception handler: a ``ControlError`` becomes a 400 JSON answer."""
    return JSONResponse({"error": str(exc)}, status_code=400)


class SimulatorState(Generic[ConfigT]):
    """One simulator's state, safe to touch from the server thread, callback threads and tests.

    ``config`` is a frozen dataclass replaced as a whole by ``configure``; ``messages`` records every send
    request; ``faults`` holds scripted failures for the next sends (``{"status": 429}``, ``{"delay": 2}``...).
    """

    def __init__(self, config: ConfigT) -> None:
        self.lock = threading.RLock()
        self._defaults = config
        self.config = config
        self.poster = CallbackPoster()
        self._messages: list[dict[str, Any]] = []
        self._faults: deque[dict[str, Any]] = deque()

    def configure(self, changes: dict[str, Any]) -> ConfigT:
        """Replace the named settings (same types as the defaults; lists become sets where sets are kept)."""
        with self.lock:
            known = {f.name for f in dataclasses.fields(self.config)}  # type: ignore[arg-type]
            unknown = set(changes) - known
            if unknown:
                raise ControlError(f"unknown settings: {', '.join(sorted(unknown))}")
            coerced = {
                name: _like(name, getattr(self.config, name), value) for name, value in changes.items()
            }
            self.config = dataclasses.replace(self.config, **coerced)  # type: ignore[type-var]
            return self.config

    def record(self, message: dict[str, Any]) -> None:
        with self.lock:
            self._messages.append(message)

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self._messages]

    def clear_messages(self) -> None:
        with self.lock:
            self._messages.clear()

    def update_message(self, key: str, value: str, **fields: Any) -> None:
        """Change the recorded message whose ``key`` equals ``value`` (e.g. its status after a callback)."""
        with self.lock:
            for message in self._messages:
                if message.get(key) == value:
                    message.update(fields)

    def add_fault(self, fault: dict[str, Any], count: int = 1) -> int:
        with self.lock:
            self._faults.extend(dict(fault) for _ in range(count))
            return len(self._faults)

    def take_fault(self) -> dict[str, Any] | None:
        with self.lock:
            return self._faults.popleft() if self._faults else None

    def reset(self) -> None:
        """Back to the constructor's settings, with no messages, faults or callback log."""
        with self.lock:
            self.config = self._defaults
            self._messages.clear()
            self._faults.clear()
            self.poster.clear()
            self.on_reset()

    def on_reset(self) -> None:
        """Hook for a simulator's own state (e.g. WhatsApp windows)."""


def _like(name: str, current: Any, value: Any) -> Any:
    """``value`` in the type of the setting's default, or ``ControlError``."""
    if isinstance(current, frozenset | tuple) and isinstance(value, list):
        return type(current)(value)
    if isinstance(current, bool) and isinstance(value, bool):
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(current, float) and not isinstance(current, bool) and number:
        return float(value)
    if isinstance(current, int) and not isinstance(current, bool) and isinstance(value, int) and number:
        return value
    if isinstance(current, dict) and isinstance(value, dict):
        return value
    if (current is None or isinstance(current, str)) and (value is None or isinstance(value, str)):
        return value
    raise ControlError(f"setting {name!r} cannot be {value!r}")


def as_json(value: Any) -> Any:
    """Config and records as JSON-friendly values (sets become sorted lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(as_json(v) for v in value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or an empty one for an empty body."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ControlError(f"not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ControlError("expected a JSON object")
    return body


def simulator(request: Request) -> Any:
    """The state of the simulator serving ``request`` (its app's ``app.state.sim``)."""
    return request.app.state.sim


def simulator_app(sim: SimulatorState[Any], routes: list[Route]) -> Starlette:
    """An app serving ``routes`` and the ``/_sim/*`` controls, its state ``sim`` on ``app.state.sim``."""
    app = Starlette(routes=[*routes, *CONTROL_ROUTES], exception_handlers={ControlError: control_error})
    app.state.sim = sim
    return app


async def messages(request: Request) -> Response:
    sim: SimulatorState[Any] = simulator(request)
    if request.method == "DELETE":
        sim.clear_messages()
        return Response(status_code=204)
    return JSONResponse(sim.messages())


async def callbacks(request: Request) -> Response:
    sim: SimulatorState[Any] = simulator(request)
    if request.method == "DELETE":
        sim.poster.clear()
        return Response(status_code=204)
    return JSONResponse({"idle": sim.poster.idle(), "attempts": sim.poster.log()})


async def fail(request: Request) -> Response:
    body = await json_body(request)
    count = body.pop("count", 1)
    if not isinstance(count, int) or count < 1 or not body:
        raise ControlError('give a count >= 1 and a fault, e.g. {"count": 2, "status": 429}')
    return JSONResponse({"pending_faults": simulator(request).add_fault(body, count)})


async def config(request: Request) -> Response:
    sim: SimulatorState[Any] = simulator(request)
    if request.method == "POST":
        sim.configure(await json_body(request))
    return JSONResponse(as_json(sim.config))


async def reset(request: Request) -> Response:
    simulator(request).reset()
    return Response(status_code=204)


CONTROL_ROUTES = [  # every simulator's /_sim/messages, /_sim/callbacks, /_sim/fail, /_sim/config, /_sim/reset
    Route("/_sim/messages", messages, methods=["GET", "DELETE"]),
    Route("/_sim/callbacks", callbacks, methods=["GET", "DELETE"]),
    Route("/_sim/fail", fail, methods=["POST"]),
    Route("/_sim/config", config, methods=["GET", "POST"]),
    Route("/_sim/reset", reset, methods=["POST"]),
]
