"""PgBouncer in transaction mode in front of the test PostgreSQL, for tests that run Karo behind it.

Debian's ``pgbouncer`` package (``scripts/system-deps`` installs it) provides the binary; the test starts its
own on a free port with its own configuration, and skips when PgBouncer is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.integration.messaging.test_worker_crash import wait_for
from tests.processes import free_port, stop

CONFIG = """\
[databases]
{name} = host={host} port={port} dbname={name} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = {pool}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@contextmanager
def pgbouncer(database_url: str, pool: int = 8) -> Iterator[str]:
    """PgBouncer for ``database_url``'s database; yields the URL to reach it through PgBouncer (psycopg told
    not to prepare statements on the server, which PgBouncer before 1.21 cannot carry across connections)."""
    binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if binary is None:
        pytest.skip("PgBouncer is not installed (scripts/system-deps installs it as root)")
    target = make_url(database_url)
    listen = free_port()
    # A folder the postgres user can read: PgBouncer refuses to run as root and switches to that user.
    folder = Path(tempfile.mkdtemp(prefix="karo-pgbouncer-"))
    folder.chmod(0o777)
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        CONFIG.format(
            name=target.database,
            host=target.host or "127.0.0.1",
            port=target.port or 5432,
            user=target.username or "postgres",
            listen=listen,
            pool=pool,
            folder=folder,
        )
    )
    ini.chmod(0o644)
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        [binary, *as_user, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        wait_for(lambda: _listening(listen) or process.poll() is not None, 10, "PgBouncer listening")
        if process.poll() is not None:
            log = folder / "pgbouncer.log"
            pytest.fail(f"PgBouncer stopped: {log.read_text() if log.exists() else 'no log'}")
        through = target.set(host="127.0.0.1", port=listen).update_query_dict({"prepare_threshold": "none"})
        yield through.render_as_string(hide_password=False)
    finally:
        stop(process, timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
