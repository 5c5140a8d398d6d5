"""The processes an outbox benchmark runs: the Africa's Talking simulator under uvicorn, ``karo worker``s,
and what /proc says about them (peak memory, CPU time)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

BIN = Path(sys.executable).parent
AT_USERNAME, AT_KEY = "sandbox", "simulator-key"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def at_simulator(log: IO[bytes]) -> Iterator[tuple[str, int]]:
    """The Africa's Talking simulator in its own uvicorn process (not sharing a GIL with anyone): its URL
    and process id."""
    port = free_port()
    command = [str(BIN / "uvicorn"), "providers.simulators.africastalking:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/_sim/config", process)
        httpx.post(url + "/_sim/config", json={"delay": 0.0}).raise_for_status()  # no delivery reports
        yield url, process.pid
    finally:
        stop(process)


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def worker_env(database_url: str, redis_url: str, simulator_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KARO_")}
    return env | {
        "KARO_DATABASE_URL": database_url,
        "KARO_REDIS_URL": redis_url,
        "KARO_AT_USERNAME": AT_USERNAME,
        "KARO_AT_API_KEY": AT_KEY,
        "KARO_AT_API_URL": simulator_url,
    }


@contextmanager
def karo_workers(count: int, env: dict[str, str], log: IO[bytes]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``karo worker`` processes, as the Procfile runs them; stopped (warm) at the end."""
    workers = [
        subprocess.Popen([str(BIN / "karo"), "worker"], env=env, stdout=log, stderr=log) for _ in range(count)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            stop(worker)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (an RQ worker's work horse, while a job runs)."""
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in listed.split()]


def process_group(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory ``pid`` has had so far, in MiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and of its children it has waited for (finished work horses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores have been busy since boot (``/proc/stat``): ours and everyone else's."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


@dataclass
class Watch:
    """What a phase cost: peak memory of the workers and their work horses, and CPU seconds of the workers
    (horses included once reaped), the simulator, the PostgreSQL backends named by ``backends()``
    (sampled: a backend's time after the last sample is missed) and the whole machine."""

    workers: list[int]
    simulator: int
    backends: Callable[[], list[int]]
    horse_mb: float = 0.0
    worker_mb: float = 0.0
    cpu_seen: dict[str, dict[int, float]] = field(default_factory=dict)

    def horses(self) -> list[int]:
        """The workers' work horses: RQ puts each in a process group of its own, unlike its scheduler."""
        return [child for pid in self.workers for child in children(pid) if process_group(child) == child]

    def sample(self) -> None:
        for pid in self.workers:
            self.worker_mb = max(self.worker_mb, peak_rss_mb(pid))
        for horse in self.horses():
            self.horse_mb = max(self.horse_mb, peak_rss_mb(horse))
        groups = {"workers": self.workers, "simulator": [self.simulator], "PostgreSQL": self.backends()}
        for group, pids in groups.items():
            seen = self.cpu_seen.setdefault(group, {})
            seen.update({pid: used for pid in pids if (used := cpu_seconds(pid))})
        self.cpu_seen.setdefault("machine", {})[0] = machine_busy_seconds()

    def cpu(self) -> dict[str, float]:
        """CPU seconds per group, as of the last sample (take one first)."""
        return {group: sum(seen.values()) for group, seen in self.cpu_seen.items()}
