"""Children that die with the process that forked them.

RQ runs each job in a forked "work horse" in its own process group, and the scheduler in another forked
process: when ``karo worker`` is killed with SIGKILL (a supervisor, the OOM killer) they would live on, the
horse still sending from the outbox. With ``children_die_with_me`` each child is killed with its parent.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>: the signal a process gets when its parent dies
WATCH_SECONDS = 0.5  # where prctl is missing: how often a child looks for its parent


def children_die_with_me() -> None:
    """From now on, every child this process forks (with ``os.fork``) is killed when its parent dies."""
    forking: list[int] = []

    def note_parent() -> None:
        forking[:] = [os.getpid()]

    def in_child() -> None:
        _die_with(forking[0])

    os.register_at_fork(before=note_parent, after_in_child=in_child)


def _die_with(parent: int) -> None:
    if not _deathsig():
        threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:  # it died between the fork and now: the signal will never come
        os._exit(1)


def _deathsig() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(WATCH_SECONDS)
    os._exit(1)
