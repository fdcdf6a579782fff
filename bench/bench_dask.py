"""Benchmark the Dask executor against the local pool: per-note overhead on bench_build's generated project.

The cluster is the real setup: `dask scheduler` and `dask worker` started with Dask's own CLI as
separate processes on this machine (the workers import this checkout through PYTHONPATH). Two
identical projects are built, alternately, in a new process each time: cold (`--force`), then
after a house-style (CSS) edit, as when an archive is re-rendered. The figures are wall time and
CPU time (the build and its pool workers, or the build, the scheduler and the Dask workers),
since the machine is shared and wall time alone is noisy.

Usage: python bench/bench_dask.py [--briefings 24] [--workers 2] [--rounds 2] [--dir DIR]
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
    """(wall seconds, CPU seconds, report) of `briefing build --json` in a new process."""
    cpu_before, cluster_before = children_cpu(), tree_cpu(cluster)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), "build", "--json", *extra],
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
    # Dask's statistical profiler samples the workers' stacks every 10 ms: off, as the README says to start workers.
    env = dict(os.environ, PYTHONPATH=str(REPO), DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
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
    from pipeline.build import parses_cached
    from pipeline.plan import environment_keys, plan_briefing
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


def compare(rounds: int, n: int, setups: list, *extra: str, before_each=None) -> dict[str, tuple[float, float]]:
    """Each setup built `rounds` times, alternating; prints the best wall and CPU of each and Dask's overhead per note."""
    best: dict[str, tuple[float, float]] = {}
    for r in range(rounds):
        for label, project, flags, pids in setups:
            if before_each:
                before_each(project, r)
            wall, cpu, report = timed_build(project, [*flags, *extra], pids)
            print(f"  round {r + 1}, {label + ':':12s} {wall:7.2f} s wall, {cpu:7.2f} s CPU  ({len(report['built'])} built)")
            old = best.get(label, (float("inf"), float("inf")))
            best[label] = (min(old[0], wall), min(old[1], cpu))
    (lw, lc), (dw, dc) = best["local pool"], best["dask"]
    print(f"  best of {rounds}: local {lw:.2f} s wall, {lc:.2f} s CPU ({lw / n:.3f} / {lc / n:.3f} s per note); "
          f"dask {dw:.2f} s wall, {dc:.2f} s CPU ({dw / n:.3f} / {dc / n:.3f} s per note)")
    print(f"  Dask overhead per note: {(dw - lw) / n:+.3f} s wall, {(dc - lc) / n:+.3f} s CPU; "
          f"dask / local = {dw / lw:.2f} (wall), {dc / lc:.2f} (CPU)")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefings", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="Dask worker processes and local pool size")
    parser.add_argument("--rounds", type=int, default=2, help="builds of each kind, alternating (the best is kept)")
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
        before = tree_cpu(pids)
        time.sleep(10)
        idle = (tree_cpu(pids) - before) / 10
        print(f"idle cluster (scheduler, nanny, {args.workers} workers): {idle:.3f} CPU s per second")
        wall, cpu, report = timed_build(remote, ["--dask", address], pids)
        print(f"{'dask, first build:':22s} {wall:7.2f} s wall, {cpu:7.2f} s CPU  ({len(report['built'])} built; "
              "the workers load spaCy and WeasyPrint once, as a pool's workers do in every build)")
        n = len(slugs)
        compare(args.rounds, n, [("local pool", local, ["--jobs", str(args.workers)], []),
                                        ("dask", remote, ["--dask", address], pids)], "--force")
        same = all((local / "outputs" / s / f"{s}.pdf").read_bytes() == (remote / "outputs" / s / f"{s}.pdf").read_bytes()
                   for s in slugs)
        print(f"PDFs byte-identical between the local and the Dask build: {same}")
        # The archive re-render: a house-style edit, each project rebuilt as usual (compose and render rerun).
        sizes = []

        def restyle(project: Path, n: int) -> None:
            css = project / "templates" / "casis" / "note.css"
            if not css.exists():
                css.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(REPO / "templates" / "casis" / "note.css", css)
            css.write_text(css.read_text() + f"\nh2 {{ letter-spacing: 0.{n + 1}pt; }}\n")
            if project == remote and not sizes:
                sizes.append(job_sizes(remote))

        print("CSS edited (compose and render rerun for every note):")
        compare(args.rounds, n, [("local pool", local, ["--jobs", str(args.workers)], []),
                                 ("dask", remote, ["--dask", address], pids)], before_each=restyle)
        cold_kb, warm_kb = job_sizes(remote) if not sizes else sizes[0]
        print(f"job sent to a worker: {cold_kb:.0f} kB on average with nothing cached, "
              f"{warm_kb:.0f} kB for the re-render (parses cached: slides stay home, cached results travel)")
    finally:
        for proc in reversed(cluster):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
