"""Tests for pipeline.build: incremental rules, removal, state recovery, crash safety, locking, parallelism."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, pdf_pages
from pipeline.build import build
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.state import STATE_FORMAT, project_lock


def run(project: Path, **options):
    """Build the project; returns {slug: (status, stages)}."""
    report = build(load_config(project), **options)
    return {o.slug: (o.status, o.stages) for o in report.outcomes}, report


ALL = ("ingest", "extract", "note", "compose", "render")


def test_cold_build_then_noop(make_project):
    project = make_project("basic")
    result, report = run(project, jobs=1)
    assert result == {"alpha": ("built", ALL), "beta": ("built", ALL)}
    for slug in ("alpha", "beta"):
        for name in (f"{slug}.pdf", f"{slug}.html", "entities.json", "entities.csv"):
            assert (project / "outputs" / slug / name).is_file()
    assert report.summary().startswith("Built 2 notes (0 unchanged, 0 failed) in ")
    result, report = run(project, jobs=1)
    assert result == {"alpha": ("unchanged", ()), "beta": ("unchanged", ())}
    assert report.to_json()["unchanged"] == ["alpha", "beta"]


def test_manuscript_edit_rebuilds_that_briefing_only(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training matters most."))
    result, _ = run(project, jobs=1)
    assert result == {"alpha": ("built", ALL), "beta": ("unchanged", ())}
    assert "Training matters most." in (project / "outputs" / "alpha" / "alpha.html").read_text()


def test_template_edit_reruns_compose_and_render_not_ingest_or_extract(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    override = project / "templates" / "casis"
    override.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "casis" / "note.css", override / "note.css")
    with open(override / "note.css", "a") as css:
        css.write("\nh2 { letter-spacing: 0.5pt; }\n")
    result, _ = run(project, jobs=1)
    assert result == {"alpha": ("built", ("compose", "render")), "beta": ("built", ("compose", "render"))}


def test_setting_override_touches_only_that_briefing(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    toml = project / "inputs" / "beta" / "briefing.toml"
    toml.write_text(toml.read_text().replace("The Overridden Journal", "Another Journal"))
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("unchanged", ())
    assert result["beta"][0] == "built" and "ingest" not in result["beta"][1]
    assert "Another Journal" in pdf_pages(project / "outputs" / "beta" / "beta.pdf")[0]


def test_added_and_removed_briefings(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    shutil.copytree(project / "inputs" / "beta", project / "inputs" / "gamma")
    result, _ = run(project, jobs=1)
    assert result["gamma"][0] == "built" and result["alpha"][0] == result["beta"][0] == "unchanged"
    shutil.rmtree(project / "inputs" / "beta")
    result, report = run(project, jobs=1)
    assert result["beta"] == ("removed", ())
    assert not (project / "outputs" / "beta").exists()
    assert "1 removed" in report.summary()


def test_deleted_or_altered_output_is_rebuilt(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    (project / "outputs" / "alpha" / "alpha.pdf").write_bytes(b"%PDF-1.7 damaged")
    (project / "outputs" / "beta" / "beta.html").unlink()
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("built", ("render",))
    assert result["beta"] == ("built", ())  # rewritten from the cache; nothing recomputed
    assert pdf_pages(project / "outputs" / "alpha" / "alpha.pdf")


def test_cached_and_uncached_builds_give_the_same_outputs(make_project):
    project = make_project("basic")
    run(project, jobs=1)
    first = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    result, _ = run(project, jobs=1, force=True)
    assert result["alpha"] == ("built", ALL)
    second = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": STATE_FORMAT - 1, "briefings": {}})])
def test_corrupt_or_old_state_means_one_log_line_and_full_rebuild(make_project, caplog, content):
    project = make_project("basic")
    run(project, jobs=1)
    (project / "outputs" / ".state" / "state.json").write_text(content)
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        result, _ = run(project, jobs=1)
    assert [r.message for r in caplog.records if "state" in r.message.lower()].__len__() == 1
    assert result == {"alpha": ("built", ALL), "beta": ("built", ALL)}


def test_failure_is_isolated_and_strict_fails_on_warnings(make_project):
    project = make_project("basic")
    (project / "inputs" / "beta" / "briefing.toml").write_text("title = ")
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "built" and result["beta"][0] == "failed"
    assert "beta/briefing.toml: not valid TOML" in report.to_json()["failed"][0]["error"]
    assert not report.ok
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text() + "\n# APPENDIX\nNot a house-style section.\n")
    result, report = run(project, jobs=1, strict=True)
    assert result["alpha"][0] == "failed"
    assert "with --strict" in report.to_json()["failed"][0]["error"]


def test_parallel_build_matches_serial(make_project):
    project = make_project("basic")
    result, _ = run(project, jobs=2)
    assert {status for status, _ in result.values()} == {"built"}
    parallel = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    run(project, jobs=1, force=True)
    serial = {p.name: p.read_bytes() for p in (project / "outputs" / "alpha").iterdir()}
    assert parallel == serial


def briefing_command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--project", str(project), "build", *args]


def test_sigkill_mid_build_leaves_earlier_pdfs_intact(make_project):
    project = make_project("basic")
    for n in range(6):
        shutil.copytree(project / "inputs" / "alpha", project / "inputs" / f"copy{n}")
    run(project, jobs=1)
    before = {p: p.read_bytes() for p in (project / "outputs").glob("*/*.pdf")}
    for note in (project / "inputs").glob("*/note.md"):
        note.write_text(note.read_text().replace("Training matters.", "Training matters a great deal."))
    proc = subprocess.Popen(briefing_command(project, "--jobs", "1"), cwd=REPO, stderr=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill as soon as one PDF has been replaced
        if any(p.read_bytes() != old for p, old in before.items() if p.exists()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for pdf in before:
        assert pdf_pages(pdf), f"{pdf} is damaged"
    result, report = run(project, jobs=1)
    assert report.ok and all(status in ("built", "unchanged") for status, _ in result.values())
    assert not list((project / "outputs").rglob("*.tmp"))


def test_second_build_waits_for_the_lock(make_project):
    project = make_project("basic")
    with project_lock(project / "outputs" / ".state", notify=lambda m: None):
        proc = subprocess.Popen(briefing_command(project, "--jobs", "1"), cwd=REPO, stderr=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        lines = []
        while proc.poll() is None and not lines:
            line = proc.stderr.readline()
            if line:
                lines.append(line)
        assert "waiting for another build of this project" in lines[0]
        assert f"pid {os.getpid()}" in lines[0]
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Built 2 notes" in out


def test_manuscript_edit_reparses_and_reannotates_only_the_manuscript(make_project):
    project = make_project("basic")
    (project / "inputs" / "alpha" / "transcript.txt").write_text(
        "Moderator: Welcome, everyone.\nDr. Ada Quill: Containers from China reach Manzanillo in Mexico.\n",
        encoding="utf-8")
    run(project, jobs=1)
    cache = project / "outputs" / ".state" / "cache"
    before = {kind: set((cache / kind).iterdir()) for kind in ("source", "mentions")}
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training matters more."))
    result, _ = run(project, jobs=1)
    assert result["alpha"] == ("built", ALL)
    for kind in ("source", "mentions"):
        added = set((cache / kind).iterdir()) - before[kind]
        assert len(added) == 1, (kind, added)  # the manuscript's; the transcript's came from the cache


def test_entities_output_matches_golden(make_project, golden):
    project = make_project("basic")
    run(project, jobs=1)
    golden("basic-alpha.entities.json", (project / "outputs" / "alpha" / "entities.json").read_text(encoding="utf-8"))


def encrypted_pdf(path: Path, text: str, password: str) -> None:
    """A one-page PDF with `text`, encrypted with a user password."""
    from pypdf import PdfReader, PdfWriter

    from pipeline.render import render_pdf

    plain = render_pdf(f"<p>{text}</p>", base_dir=path.parent, allowed_dirs=[]).pdf
    import io

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    with open(path, "wb") as handle:
        writer.write(handle)


def test_source_password_from_briefing_toml(make_project):
    project = make_project("basic")
    folder = project / "inputs" / "alpha"
    encrypted_pdf(folder / "slides.pdf", "Ketamine seized in Vancouver.", "s3cret")
    toml = folder / "briefing.toml"
    original = toml.read_text()
    toml.write_text(original + '\n[[sources]]\npath = "slides.pdf"\n')
    _, report = run(project, jobs=1)
    alpha = next(o for o in report.outcomes if o.slug == "alpha")
    assert alpha.status == "built"
    assert any("slides.pdf" in w and "password" in w for w in alpha.warnings), alpha.warnings
    toml.write_text(original + '\n[[sources]]\npath = "slides.pdf"\npassword = "s3cret"\n')
    _, report = run(project, jobs=1)
    entities = json.loads((project / "outputs" / "alpha" / "entities.json").read_text())
    ketamine = next(e for e in entities["entities"] if e["id"] == "chem:ketamine")
    assert [(m["file"], m["page"]) for m in ketamine["mentions"]] == [("slides.pdf", 1)]


def test_failed_render_keeps_every_previous_output(make_project, monkeypatch):
    project = make_project("basic")
    run(project, jobs=1)
    out = project / "outputs" / "alpha"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("Training matters.", "Training in Mexico matters."))

    def broken_render(*args, **kwargs):
        raise PipelineError("renderer exploded")

    import pipeline.render

    monkeypatch.setattr(pipeline.render, "render_pdf", broken_render)
    result, report = run(project, jobs=1)
    assert result["alpha"][0] == "failed" and "renderer exploded" in report.to_json()["failed"][0]["error"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_watch_rebuilds_the_edited_briefing_after_a_save(make_project):
    import threading

    from pipeline.build import watch

    project = make_project("basic")
    reports = []
    thread = threading.Thread(target=watch, args=(load_config(project),), daemon=True, kwargs=dict(
        on_report=reports.append, interval=0.05, debounce=0.05, stop=lambda: len(reports) >= 2))
    thread.start()
    deadline = time.monotonic() + 300
    while not reports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reports and reports[0].slugs("built") == ["alpha", "beta"]
    note = project / "inputs" / "beta" / "note.md"
    note.write_text(note.read_text() + "\nOne more point.\n")
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert reports[1].slugs("built") == ["beta"] and reports[1].slugs("unchanged") == ["alpha"]


def test_every_stage_code_path_exists():
    """The code fingerprint skips a missing path silently, so a renamed module (compose.py became the
    compose/ package) would stop rerunning its stage when edited."""
    from pipeline.build import PACKAGE, STAGE_CODE

    missing = [f"{stage}: {part}" for stage, parts in STAGE_CODE.items() for part in parts if not (PACKAGE / part).exists()]
    assert not missing
    assert "compose" in STAGE_CODE["compose"] and (PACKAGE / "compose" / "typography.py").is_file()
