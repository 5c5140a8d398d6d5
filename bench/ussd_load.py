"""The load: virtual parents dialling Karo's USSD webhook, or as many clients hammering ``/ceiling``.

Runs in client processes (``run_clients``), each an event loop with one keep-alive connection per virtual
parent (``bench.ussd_http``). Every process starts at the same wall-clock moment, warms up, and counts
only the hops that complete inside the measuring window; it stops by itself at the window's end.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import uvloop

from bench.ussd_data import Caller
from bench.ussd_http import BadResponse, Connection, Response
from bench.ussd_sessions import LostTheWay, pick_shape, script
from bot.routes.ussd import BUSY, FAILED

NETWORK = "63902"  # Safaricom
EXAMPLES = 3  # bad replies kept to show in the report
CEILING_BODY = {
    "sessionId": "ATUid_ceiling",
    "serviceCode": "*384*1#",
    "phoneNumber": "+254712000001",
    "networkCode": NETWORK,
    "text": "1*3",
}


@dataclass(frozen=True)
class Window:
    """Wall-clock times (``time.time()``): load starts, measuring starts, everyone stops."""

    load_from: float
    measure_from: float
    until: float

    def measuring(self, now: float) -> bool:
        return self.measure_from <= now <= self.until


@dataclass(frozen=True)
class Job:
    sessions: bool  # virtual parents dialling sessions; else the same body posted again and again
    host: str
    port: int
    path: str
    parents: tuple[tuple[int, Caller], ...]  # (index, who dials)
    window: Window
    seed: int
    think: float = 0.0  # mean seconds a parent reads a screen before pressing (0: presses at once)


@dataclass
class Tally:
    """What one client process saw; ``merge`` adds up all of them."""

    latencies: list[float] = field(default_factory=list)  # seconds, hops completed in the window
    errors: Counter[str] = field(default_factory=Counter)  # anytime, warm-up included
    examples: list[str] = field(default_factory=list)
    sessions: Counter[str] = field(default_factory=Counter)  # by shape, finished in the window
    cpu_seconds: float = 0.0  # this client process's CPU time inside the window

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"{kind}: {detail[:300]}")

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.examples += other.examples[: EXAMPLES - len(self.examples)]
        self.sessions += other.sessions
        self.cpu_seconds += other.cpu_seconds


class HopFailed(Exception):
    """Already counted as an error: the session stops."""


class HungUp(Exception):
    """The window closed: the parent hangs up mid-session."""


def run_clients(job: Job) -> Tally:
    """One client process's share of the load (the entry point of each process)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_clients(job))


def ready() -> bool:
    """Called once per client process before the run, so imports are done before any window opens."""
    return True


async def _clients(job: Job) -> Tally:
    tally = Tally()
    connections = [Connection(job.host, job.port) for _ in job.parents]
    await asyncio.sleep(max(0.0, job.window.load_from - time.time()))
    cpu = asyncio.create_task(_cpu_in_window(job.window))
    if job.sessions:
        loops = [
            parent(c, job, i, caller, tally) for c, (i, caller) in zip(connections, job.parents, strict=True)
        ]
    else:
        loops = [hammer(c, job, tally) for c in connections]
    await asyncio.gather(*loops)
    for connection in connections:
        await connection.close()
    tally.cpu_seconds = await cpu
    return tally


async def _cpu_in_window(window: Window) -> float:
    await asyncio.sleep(max(0.0, window.measure_from - time.time()))
    started = time.process_time()
    await asyncio.sleep(max(0.0, window.until - time.time()))
    return time.process_time() - started


async def hop(connection: Connection, job: Job, body: dict[str, str], tally: Tally) -> str:
    """One request; its latency counts when it completes inside the window. Raises HopFailed when the
    answer is not a 200 with ``CON``/``END`` text, or is Karo's "busy" or "went wrong" screen."""
    if time.time() >= job.window.until:
        raise HungUp
    started = time.perf_counter()
    try:
        response = await connection.post_form(job.path, body)
    except BadResponse as error:
        tally.error("unreadable response", str(error))
        raise HopFailed from error
    took = time.perf_counter() - started
    problem = check(response)
    if problem:
        tally.error(problem, response.text)
        raise HopFailed
    if job.window.measuring(time.time()):
        tally.latencies.append(took)
    return response.text


def check(response: Response) -> str | None:
    if response.status != 200:
        return f"HTTP {response.status}"
    if not response.text.startswith(("CON ", "END ")):
        return "not CON/END"
    return {BUSY: "busy answer", FAILED: "went-wrong answer"}.get(response.text)


async def hammer(connection: Connection, job: Job, tally: Tally) -> None:
    while time.time() < job.window.until:
        try:
            await hop(connection, job, CEILING_BODY, tally)
        except HungUp:
            return
        except HopFailed:
            await asyncio.sleep(0.01)  # do not spin on a failing server


async def parent(connection: Connection, job: Job, index: int, caller: Caller, tally: Tally) -> None:
    """A virtual parent dialling again and again, one session shape at a time, until the window closes."""
    rng = random.Random(f"{job.seed}:{index}")
    dialled = 0
    await asyncio.sleep(rng.uniform(0, job.think))  # paced parents do not all dial at once (warm-up)
    while time.time() < job.window.until:
        dialled += 1
        dial = Dial(connection, job, tally, session_id(job.seed, index, dialled), caller, rng)
        shape = pick_shape(rng)
        try:
            await dial.session(shape)
        except HungUp:
            return
        except HopFailed:
            await asyncio.sleep(0.01)  # do not spin on a failing server
            continue
        except LostTheWay as lost:
            tally.error("lost the way", str(lost))
            continue
        if job.window.measuring(time.time()):
            tally.sessions[shape] += 1


def session_id(seed: int, parent: int, dialled: int) -> str:
    return f"ATUid_bench_{seed}_{parent}_{dialled}"


class Dial:
    """One USSD session as Africa's Talking sends it: ``text`` is every input so far joined by ``*``."""

    def __init__(
        self,
        connection: Connection,
        job: Job,
        tally: Tally,
        session_id: str,
        caller: Caller,
        rng: random.Random,
    ) -> None:
        self.connection, self.job, self.tally, self.rng = connection, job, tally, rng
        self.form = {
            "sessionId": session_id,
            "serviceCode": rng.choice(caller.codes),
            "phoneNumber": caller.phone,
            "networkCode": NETWORK,
        }
        self.inputs: list[str] = []

    async def press(self, keys: str | None) -> str:
        if self.job.think:  # reading, then typing; not past the window's end
            pause = self.rng.uniform(0.4, 1.6) * self.job.think
            await asyncio.sleep(min(pause, max(0.0, self.job.window.until - time.time())))
        if keys is not None:
            self.inputs.append(keys)
        return await hop(self.connection, self.job, {**self.form, "text": "*".join(self.inputs)}, self.tally)

    async def session(self, shape: str) -> None:
        steps = script(shape, self.rng)
        keys = next(steps)
        while True:
            reply = await self.press(keys)
            try:
                keys = steps.send(reply)
            except StopIteration:
                return
