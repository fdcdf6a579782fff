"""Tests for pipeline.executors (and the jobs they run): a Dask cluster builds the same bytes as the local pool,
a worker killed mid-job fails its briefing only, and a scheduler that cannot be reached is an error before any work."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import threading
from pathlib import Path

import pytest

import pipeline.build
from conftest import REPO
from pipeline.build import build
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.executors import DaskExecutor

distributed = pytest.importorskip("distributed")
VICTIM = "beta"  # the briefing whose job kills its own worker process in the tests below


def die_on_victim(job):
    """The build's job function, except that the victim's job kills the process running it (tests only)."""
    if job.slug == VICTIM:
        os.kill(os.getpid(), signal.SIGKILL)
    return pipeline.build.run_job(job)


@pytest.fixture(scope="module")
def cluster():
    """A Dask cluster of two single-threaded worker processes (no profiler); a job whose worker dies is not retried."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.worker.profile.enabled": False}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
            yield local.scheduler_address


def project(target: Path) -> Path:
    """Two bundled briefings (slides, a WebVTT and a text transcript, a drafted note, a manuscript) and test oddities:
    a source that is a symbolic link out of its folder, and a project-wide override of the house style's CSS."""
    for slug in ("golden-triangle-meth", "opcw-after-syria"):
        shutil.copytree(REPO / "inputs" / slug, target / "inputs" / slug)
    shutil.copy(REPO / "briefings.toml", target / "briefings.toml")
    outside = target.parent / "outside.txt"
    outside.write_text("Speaker: text from outside the briefing folder\n", encoding="utf-8")
    os.symlink(outside, target / "inputs" / "opcw-after-syria" / "aside.txt")
    css = target / "templates" / "casis" / "note.css"
    css.parent.mkdir(parents=True)
    css.write_text((REPO / "templates" / "casis" / "note.css").read_text(encoding="utf-8") + "\nh2 { letter-spacing: 0.2pt; }\n",
                   encoding="utf-8")
    return target


def outputs(root: Path) -> dict[str, bytes]:
    """Every output file (state excluded) by its path inside outputs/."""
    out = root / "outputs"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and ".state" not in p.parts}


def cache_entries(root: Path) -> list[str]:
    """Every cache entry's text, the project's own path replaced (entries name source files absolutely, and
    the key of a refused source holds the refusal, which names the project's folder)."""
    cache = root / "outputs" / ".state" / "cache"
    return sorted(p.read_text(encoding="utf-8").replace(str(root), "PROJECT") for p in cache.rglob("*.json"))


def report_facts(report, root: Path) -> dict:
    """What each briefing's build said and ran, with the project's path replaced."""
    return {o.slug: (o.status, [w.replace(str(root), "PROJECT") for w in o.warnings], o.notices, o.stages)
            for o in report.outcomes}


def test_a_dask_cluster_builds_the_same_bytes_as_the_local_pool(tmp_path, cluster):
    local, remote = project(tmp_path / "local"), project(tmp_path / "remote")
    here = build(load_config(local), jobs=1)
    there = build(load_config(remote), dask_address=cluster)
    assert here.ok and there.ok, (here.to_json(), there.to_json())
    assert len(here.slugs("built")) == 2
    assert outputs(local) == outputs(remote)  # PDFs, HTML galleys, entities and meta.json, byte for byte
    assert cache_entries(local) == cache_entries(remote)
    assert report_facts(here, local) == report_facts(there, remote)
    assert any("aside.txt" in w and "outside.txt" in w for w in there.outcomes[1].warnings)  # refused on the project's side
    assert not any("briefing-job-" in w for o in there.outcomes for w in o.warnings)  # no worker path leaks out

    # A house-style edit: the workers get the cached parses and entities, not the slides, and rerun compose and render only.
    for root in (local, remote):
        css = root / "templates" / "casis" / "note.css"
        css.write_text(css.read_text(encoding="utf-8") + "p { word-spacing: 0.1pt; }\n", encoding="utf-8")
    here, there = build(load_config(local), jobs=1), build(load_config(remote), dask_address=cluster)
    assert {o.stages for o in there.outcomes} == {("compose", "render")}
    assert outputs(local) == outputs(remote) and report_facts(here, local) == report_facts(there, remote)
    assert build(load_config(remote), dask_address=cluster).slugs("unchanged") == there.slugs("built")


def test_a_worker_killed_mid_job_fails_its_briefing_only_on_dask(make_project, cluster, monkeypatch):
    root = make_project("basic")
    shutil.copytree(root / "inputs" / "alpha", root / "inputs" / "gamma")
    monkeypatch.setattr(pipeline.build, "run_job", die_on_victim)
    report = build(load_config(root), dask_address=cluster)
    assert sorted(report.slugs("built")) == ["alpha", "gamma"] and report.slugs("failed") == [VICTIM]
    error = next(o.error for o in report.outcomes if o.slug == VICTIM)
    assert error.startswith(f"worker failed: lost on the Dask cluster at {cluster}: KilledWorker"), error
    assert not (root / "outputs" / VICTIM).exists() and (root / "outputs" / "alpha" / "alpha.pdf").is_file()


def test_a_worker_killed_mid_job_fails_its_briefing_only_in_the_local_pool(make_project, monkeypatch):
    root = make_project("basic")
    monkeypatch.setattr(pipeline.build, "run_job", die_on_victim)
    report = build(load_config(root), jobs=2)
    assert report.slugs("built") == ["alpha"] and report.slugs("failed") == [VICTIM]
    error = next(o.error for o in report.outcomes if o.slug == VICTIM)
    assert "worker process" in error and "was killed by SIGKILL" in error, error


def hang_on_victim(job):
    """The build's job function, except that the victim's job never ends (tests only)."""
    if job.slug == VICTIM:
        threading.Event().wait()
    return pipeline.build.run_job(job)


def test_a_scheduler_that_goes_away_fails_the_briefings_it_held_only(make_project, monkeypatch):
    root = make_project("basic")
    monkeypatch.setattr(pipeline.build, "run_job", hang_on_victim)
    import dask

    with dask.config.set({"distributed.worker.profile.enabled": True}):  # Dask's default, whatever the module's cluster set
        local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0")

    def progress(n: int, total: int, slug: str) -> None:
        if slug == "alpha":  # alpha is back, beta is running: the cluster goes away
            local.close()

    said: list[str] = []
    try:
        report = build(load_config(root), dask_address=local.scheduler_address, progress=progress, notify=said.append)
    finally:
        local.close()
    assert any("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False" in line for line in said)  # its worker profiles
    assert report.slugs("built") == ["alpha"] and report.slugs("failed") == [VICTIM]
    error = next(o.error for o in report.outcomes if o.slug == VICTIM)
    assert error.startswith("worker failed: lost on the Dask cluster at tcp://"), error
    assert (root / "outputs" / "alpha" / "alpha.pdf").is_file() and "alpha" in (root / "outputs" / ".state" / "state.json").read_text()


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_an_error_before_any_work(make_project, monkeypatch):
    address = f"tcp://127.0.0.1:{free_port()}"
    monkeypatch.setattr("pipeline.executors.CONNECT_SECONDS", 1)
    with pytest.raises(PipelineError, match=f"cannot reach the Dask scheduler at {address}"):
        DaskExecutor(address, pipeline.build.run_job)
    root = make_project("basic")
    with pytest.raises(PipelineError, match="cannot reach the Dask scheduler"):
        build(load_config(root), dask_address=address)
    assert not (root / "outputs").exists()
