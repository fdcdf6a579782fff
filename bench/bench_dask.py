"""Benchmark the Dask executor against the local pool: per-note overhead on bench_build's generated project.

The cluster is the real setup: `dask scheduler` and `dask worker` started with Dask's own CLI as
separate processes on this machine (the workers import this checkout through PYTHONPATH). Both
builds are `--force` builds of identical projects in a new process; the figures are wall time and
CPU time (the build, its pool workers, or the scheduler and the Dask workers), since the machine
is shared and wall time alone is noisy.

Usage: python bench/bench_dask.py [--briefings 24] [--workers 2] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_build import make_project  # noqa: E402


def free_port() -> int:
    """A loopback TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and their live descendants."""
    import psutil  # a dependency of distributed

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def children_cpu() -> float:
    """CPU seconds of this process's waited-for children (a build and its pool workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(project: Path, extra: list[str], cluster: list[int]) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, report) of `briefing build --force --json` in a new process."""
    cpu_before, cluster_before = children_cpu(), tree_cpu(cluster)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), "build", "--force", "--json", *extra],
                            cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu = children_cpu() - cpu_before + tree_cpu(cluster) - cluster_before
    report = json.loads(result.stdout) if result.stdout.strip() else {"failed": [{"error": result.stderr[-500:]}], "built": []}
    if report["failed"]:
        print(f"  ! {len(report['failed'])} failed, e.g. {report['failed'][0]}")
    return wall, cpu, report


def start_cluster(port: int, workers: int) -> list[subprocess.Popen]:
    """`dask scheduler` and `dask worker` (one thread per worker process), as an operator would start them."""
    dask = Path(sys.executable).parent / "dask"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(dask), "worker", address, "--nworkers", str(workers), "--nthreads", "1",
                               "--no-dashboard", "--memory-limit", "0"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=120)
    return [scheduler, worker]


def job_sizes(project: Path) -> tuple[float, float]:
    """Mean bytes of a cold job and of a job whose parses are cached, as a Dask build ships them (kB)."""
    from pipeline.build import environment_keys, parses_cached, plan_briefing
    from pipeline.config import find_briefings, load_config
    from pipeline.jobs import job_bytes, make_job
    from pipeline.state import Cache, load_state

    config = load_config(project)
    env = environment_keys(config)
    state_dir = project / "outputs" / ".state"
    cache, state = Cache(state_dir), load_state(state_dir)
    cold, warm = [], []
    for folder in find_briefings(config):
        plan = plan_briefing(folder, config, env)
        out = project / "outputs" / folder.name
        cold.append(job_bytes(make_job(plan, None, False, out, cache, env, parses_cached)))
        warm.append(job_bytes(make_job(plan, state.briefings.get(folder.name), True, out, cache, env, parses_cached)))
    return sum(cold) / len(cold) / 1024, sum(warm) / len(warm) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefings", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="Dask worker processes and local pool size")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "briefing-bench-dask")
    args = parser.parse_args()
    local, remote = args.dir / "local", args.dir / "dask"
    slugs = make_project(local, args.briefings)
    make_project(remote, args.briefings)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    print(f"projects: {local}, {remote} ({len(slugs)} briefings each); {args.workers} local workers, "
          f"{args.workers} Dask worker processes (1 thread each) at {address}; cores={os.cpu_count()}")
    started = time.perf_counter()
    cluster = start_cluster(port, args.workers)
    print(f"cluster started with the dask CLI in {time.perf_counter() - started:.1f} s")
    pids = [p.pid for p in cluster]
    try:
        rows = []
        for label, project, extra in [("local pool", local, ["--jobs", str(args.workers)]),
                                      ("dask (first build)", remote, ["--dask", address]),
                                      ("dask", remote, ["--dask", address]),
                                      ("local pool", local, ["--jobs", str(args.workers)])]:
            wall, cpu, report = timed_build(project, extra, pids if extra[0] == "--dask" else [])
            rows.append((label, wall, cpu))
            print(f"{label + ':':20s} {wall:7.2f} s wall, {cpu:7.2f} s CPU  ({len(report['built'])} built)")
        same = all((local / "outputs" / s / f"{s}.pdf").read_bytes() == (remote / "outputs" / s / f"{s}.pdf").read_bytes()
                   for s in slugs)
        print(f"PDFs byte-identical between the local and the Dask build: {same}")
        n = len(slugs)
        local_wall = min(w for label, w, _ in rows if label == "local pool")
        local_cpu = min(c for label, _, c in rows if label == "local pool")
        dask_wall, dask_cpu = next((w, c) for label, w, c in rows if label == "dask")
        print(f"per note: local {local_wall / n:.3f} s wall, {local_cpu / n:.3f} s CPU; "
              f"dask {dask_wall / n:.3f} s wall, {dask_cpu / n:.3f} s CPU")
        print(f"Dask overhead per note: {(dask_wall - local_wall) / n:+.3f} s wall, {(dask_cpu - local_cpu) / n:+.3f} s CPU; "
              f"dask / local = {dask_wall / local_wall:.2f} (wall), {dask_cpu / local_cpu:.2f} (CPU)")
        # The archive re-render: a house-style edit, each project rebuilt as usual (compose and render rerun).
        for project in (local, remote):
            css = project / "templates" / "casis" / "note.css"
            css.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / "templates" / "casis" / "note.css", css)
            css.write_text(css.read_text() + "\nh2 { letter-spacing: 0.3pt; }\n")
        cold_kb, warm_kb = job_sizes(remote)
        restyle = []
        for label, project, extra in [("local pool", local, ["--jobs", str(args.workers)]), ("dask", remote, ["--dask", address])]:
            cpu_before, cluster_before = children_cpu(), tree_cpu(pids if label == "dask" else [])
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), "build", "--json", *extra],
                                    cwd=REPO, capture_output=True, text=True)
            wall = time.perf_counter() - started
            cpu = children_cpu() - cpu_before + tree_cpu(pids if label == "dask" else []) - cluster_before
            built = len(json.loads(result.stdout)["built"])
            restyle.append((wall, cpu))
            print(f"CSS edited, {label + ':':12s} {wall:7.2f} s wall, {cpu:7.2f} s CPU  ({built} rebuilt)")
        (lw, lc), (dw, dc) = restyle
        print(f"  re-render overhead per note: {(dw - lw) / n:+.3f} s wall, {(dc - lc) / n:+.3f} s CPU; "
              f"dask / local = {dw / lw:.2f} (wall), {dc / lc:.2f} (CPU)")
        print(f"job sent to a worker: {cold_kb:.0f} kB on average with nothing cached, "
              f"{warm_kb:.0f} kB once the parses are cached (slides stay home)")
    finally:
        for proc in reversed(cluster):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
