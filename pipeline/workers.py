"""Worker processes that die with their build: a parent-death signal, a parent watch and a shared lock."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .state import hold_project_as_worker

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_held = []  # the worker's lock file: open for the life of the process, so the lock is too


def die_with_parent(parent: int, interval: float = 0.5) -> None:
    """Make this process exit as soon as `parent` is gone, however it ended (SIGKILL included).

    Linux delivers SIGKILL to us when the parent dies (prctl PR_SET_PDEATHSIG). The parent may
    have died before that was set, and other systems have no such call, so a daemon thread also
    checks every `interval` seconds that the parent is still ours.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watch below still ends us
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def start_worker(parent: int, state_dir: str, then: Callable[..., None], args: tuple = ()) -> None:
    """Worker initialiser: die with the build, hold the project's workers lock, then run `then(*args)`."""
    die_with_parent(parent)
    # A new build waits for this lock to be free: it never writes while a dying build's workers still do.
    _held.append(hold_project_as_worker(Path(state_dir)))
    then(*args)
