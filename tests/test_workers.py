"""Tests for pipeline.workers: workers die with their build, and a new build waits for an old build's workers."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO
from pipeline.state import WORKERS_LOCK, project_lock

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")


def children(pid: int) -> dict[int, str]:
    """Live processes whose parent is `pid`, with their command lines (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def test_workers_do_not_outlive_a_killed_build(make_project):
    project = make_project("basic")
    for n in range(4):
        shutil.copytree(project / "inputs" / "alpha", project / "inputs" / f"copy{n}")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(project), "build", "--jobs", "2"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: dict[int, str] = {}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        workers = {pid: cmd for pid, cmd in children(proc.pid).items() if "spawn_main" in cmd}
        if len(workers) == 2:
            break
        time.sleep(0.05)
    assert len(workers) == 2, "the build never started its two workers"
    time.sleep(0.5)  # let them get into their initialiser (loading libraries)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5  # "no worker outlives it by more than a few seconds"
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.05)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:  # leave no stray process behind, whatever the verdict
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"workers {survivors} outlived their build"


def test_a_new_build_waits_while_an_old_builds_workers_hold_the_project(tmp_path):
    state = tmp_path / ".state"
    state.mkdir()
    # A stand-in for an orphaned worker: another process holding the workers' lock shared.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"h = open({str(state / WORKERS_LOCK)!r}, 'a+')\n"
        "fcntl.flock(h, fcntl.LOCK_SH)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    messages, entered = [], threading.Event()

    def second_build():
        with project_lock(state, notify=messages.append):
            entered.set()

    thread = threading.Thread(target=second_build, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert messages == ["waiting for the workers of an earlier build of this project to exit"]
    assert not entered.is_set()
    holder.stdin.close()  # the old worker exits, releasing its lock
    holder.wait()
    thread.join(timeout=60)
    assert entered.is_set()


def test_a_worker_holds_the_lock_shared_so_its_siblings_can_too(tmp_path):
    from pipeline.state import hold_project_as_worker

    first, second = hold_project_as_worker(tmp_path), hold_project_as_worker(tmp_path)
    with open(tmp_path / WORKERS_LOCK) as probe:
        with pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    first.close()
    second.close()
