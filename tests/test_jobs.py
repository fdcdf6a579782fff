"""Tests for pipeline.jobs: what a self-contained job carries, how a worker unpacks it, and what comes back."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO
from pipeline.build import STAGE_RESULTS, parses_cached
from pipeline.plan import environment_keys, output_names, plan_briefing
from pipeline.config import load_config
from pipeline.errors import PipelineError, SourceError
from pipeline.ingest import ingest_briefing
from pipeline.jobs import JobResult, check_result, environment_matches, make_job, materialise, workspace
from pipeline.state import Cache

SLUG = "opcw-after-syria"  # a manuscript, slides and a text transcript


@pytest.fixture
def planned(tmp_path):
    """A project of one bundled briefing with a source linked out of its folder; (plan, cache, environment)."""
    shutil.copytree(REPO / "inputs" / SLUG, tmp_path / "inputs" / SLUG)
    shutil.copy(REPO / "briefings.toml", tmp_path)
    (tmp_path / "secret.txt").write_text("Speaker: not for the worker\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", tmp_path / "inputs" / SLUG / "aside.txt")
    config = load_config(tmp_path)
    env = environment_keys(config)
    return plan_briefing(tmp_path / "inputs" / SLUG, config, env), Cache(tmp_path / "outputs" / ".state"), env


def shipped(plan, cache, env, previous=None):
    """The self-contained job for the plan."""
    return make_job(plan, previous, True, plan.config.root / "outputs" / SLUG, cache, env, parses_cached)


def test_a_job_carries_the_files_it_reads_and_says_why_it_left_one_out(planned):
    plan, cache, env = planned
    job = shipped(plan, cache, env)
    snapshot = job.snapshot
    assert sorted(snapshot.files) == ["briefing.toml", "note.md", "slides.pdf", "transcript.txt"]
    assert snapshot.files["slides.pdf"] == (plan.briefing.folder / "slides.pdf").read_bytes()
    assert "aside.txt" not in snapshot.files and "symbolic link" in snapshot.refused["aside.txt"]
    assert {"note.html", "note.css"} <= set(snapshot.templates) and job.render and job.seed == {}
    assert "templates" not in job.environment and job.environment["versions"] == env["versions"]


def test_a_source_parsed_before_stays_home_but_a_transcript_travels(planned):
    plan, cache, env = planned
    parsed = ingest_briefing(plan.briefing, plan.manuscript, plan.sources, plan.config)
    cache.put("ingest", plan.keys["ingest"], ((parsed[0], parsed[1]), parsed[2]))
    assert cache.get("ingest", plan.keys["ingest"], STAGE_RESULTS["ingest"]) is not None
    job = shipped(plan, cache, env)
    assert job.snapshot.withheld == ("slides.pdf",) and "transcript.txt" in job.snapshot.files
    assert list(job.seed) == [f"ingest/{plan.keys['ingest']}"]


def test_a_job_over_max_job_mb_is_refused_naming_the_setting(planned):
    plan, cache, env = planned
    small = replace(plan, config=replace(plan.config, max_job_mb=0.01))
    with pytest.raises(PipelineError, match=r"the limit is 10,485 bytes \(setting max_job_mb\)"):
        shipped(small, cache, env)


def test_a_file_over_max_file_mb_is_refused_in_read_source_s_words(planned):
    plan, cache, env = planned
    small = replace(plan, config=replace(plan.config, max_file_mb=0.01))
    job = shipped(small, cache, env)
    assert job.snapshot.refused["slides.pdf"].startswith("file is 28,278 bytes; the limit is 10,485 bytes (setting max_file_mb)")


def test_the_worker_unpacks_a_job_in_a_private_folder_and_names_the_project_s_files(planned):
    plan, cache, env = planned
    job = shipped(plan, cache, env)
    with workspace(job) as space:
        folder = space.plan.briefing.folder
        assert folder != plan.briefing.folder and (folder / "note.md").read_bytes() == (plan.briefing.folder / "note.md").read_bytes()
        assert not os.path.lexists(folder / "aside.txt")
        source = space.read(plan.briefing.folder / "transcript.txt", _options(space.plan))
        assert source.path == str(plan.briefing.folder / "transcript.txt")  # the project's path, as a local build names it
        with pytest.raises(SourceError, match="symbolic link") as refused:
            space.read(plan.briefing.folder / "aside.txt", _options(space.plan))
        assert space.to_project(str(refused.value)).startswith(str(plan.briefing.folder / "aside.txt"))
    assert not folder.exists()


def _options(plan):
    from pipeline.ingest import read_options

    return read_options(plan.config, folder=plan.briefing.folder)


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "a/../../b", ""])
def test_a_job_file_name_leading_out_is_refused(tmp_path, name):
    with pytest.raises(PipelineError, match="not a plain relative file name"):
        materialise(tmp_path, {name: b"x"})


def test_a_result_of_another_shape_is_refused(planned):
    plan, cache, env = planned
    job = shipped(plan, cache, env)
    names = output_names(SLUG)
    good = {"entities.json": b"[]", "entities.csv": b"", f"{SLUG}.html": b"<html>", f"{SLUG}.pdf": b"%PDF"}
    assert check_result(job, JobResult(SLUG, files=good), names, 1 << 20).files == good
    for bad, why in [
        (JobResult("other", files=good), "expected the result of"),
        (JobResult(SLUG, files={**good, "../../evil": b""}), "expected the outputs"),
        (JobResult(SLUG, files=good, cache={"ingest/../../x": b"{}"}), "is not a stage's entry"),
        (JobResult(SLUG, files=good, runtime_keys={"render": "0" * 64}), "is not a mention key"),
        (JobResult(SLUG, files={**good, f"{SLUG}.pdf": b"x" * 2048}), "over the limit"),
        ("a string", "expected the result of"),
    ]:
        with pytest.raises(PipelineError, match=why):
            check_result(job, bad, names, 2048)


def test_a_worker_with_other_code_or_libraries_refuses_the_job(planned):
    plan, cache, env = planned
    job = shipped(plan, cache, env)
    assert environment_matches(job, lambda: dict(job.environment)) is None
    differing = environment_matches(job, lambda: {**job.environment, "versions": "0" * 64})
    assert "(versions)" in differing and "install the same version" in differing
