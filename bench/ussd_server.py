"""The server under test, started as production starts it: uvicorn with several worker processes.

The Procfile's ``web`` runs ``karo serve --workers ${WEB_CONCURRENCY:-2}``, which is
``uvicorn.run("bot.app:app_from_env", factory=True, proxy_headers=True, workers=N)`` with uvicorn's
defaults (httptools, uvloop, access log on, 5 s keep-alive). The benchmark runs the same through
uvicorn's command line, with ``bench.ussd_app:app`` as the factory.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.ussd_data import REDIS_URL, ROOT, URL

TOKEN = "bench-token"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def running_server(workers: int, log: Path) -> Iterator[Server]:
    """Start uvicorn, wait for ``/healthz``, yield it; stop it afterwards, whatever happened."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "bench.ussd_app:app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--proxy-headers",
    ]  # fmt: skip
    env = {
        **os.environ,
        "KARO_DATABASE_URL": URL,
        "KARO_REDIS_URL": REDIS_URL,
        "KARO_WEBHOOK_TOKEN": TOKEN,
    }
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(server, base, workers, log)
        yield Server("127.0.0.1", port, server.pid)
    finally:
        stop(server)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(server: subprocess.Popen[bytes], base: str, workers: int, log: Path) -> None:
    """``/healthz`` answers, and every worker has said it started (each one takes a share of requests)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}):\n{tail(log)}")
        if healthy(base) and log.read_text(errors="replace").count("Application startup complete") >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within {START_TIMEOUT_SECONDS}s:\n{tail(log)}")


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl+C would (uvicorn then stops its workers); SIGKILL to the group if it hangs."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
